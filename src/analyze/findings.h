#pragma once
// From pools and limits to findings: mechanism, culprits, evidence, remedy.

#include <vector>

#include "analyze/finding.h"
#include "analyze/pool_model.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// One finding per pool rated WARNING or worse (pools telling the same story once), plus the
// range-wide ones (listeners or reserved ports inside the range).
std::vector<Finding> pool_findings(const core::Snapshot& snapshot, const PoolModel& model,
                                   const Thresholds& thresholds);

// Mechanism of a pool's usage from its state mix (and its shape, for TcpLocal pools).
Mechanism classify(const Pool& pool, core::Platform platform);

}  // namespace portwatch::analyze
