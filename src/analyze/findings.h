#pragma once
// From pools and limits to findings: mechanism, culprits, evidence, remedy.

#include <string>
#include <string_view>
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

// Mechanism of a set of connections from their states alone: closed here first (TIME_WAIT
// churn), closed by the peer only (CLOSE_WAIT leak), unanswered (SYN_SENT: dead backend),
// open (hoarding), else mixed.
Mechanism classify_states(const StateCounts& states);

// The mechanism in a few words ("TIME_WAIT churn"), and what to change for it, addressed to
// `name` (the culprit process) and `destination` (dead backends): the texts findings use, for
// `portwatch report --from-history`, which has state counts but no snapshot.
std::string_view mechanism_text(Mechanism mechanism);
std::string mechanism_remedy(Mechanism mechanism, const std::string& name, core::Platform platform,
                             const std::string& destination);

// How long a TIME_WAIT holds its port: Linux 60 s (TCP_TIMEWAIT_LEN, fixed); Windows the
// TcpTimedWaitDelay default of the capture's generation (120 s on Vista/2008 and later, 240 s
// on 2003 and earlier), said as assumed when the generation is not known.
struct TimeWaitLength {
    std::uint32_t seconds = 60;
    std::string origin;
};
TimeWaitLength time_wait_length(const core::HostConfig& config);

}  // namespace portwatch::analyze
