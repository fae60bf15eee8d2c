#pragma once
// Neighbouring limits that fail alongside (or instead of) the port range: per-process fd
// limits, fs.file-max, conntrack, TIME_WAIT buckets, orphans, TCP memory.

#include <vector>

#include "analyze/finding.h"
#include "core/host_config.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// Every limit whose numbers are known (`facts` may be null: then only process fds).
std::vector<LimitUsage> check_limits(const core::Snapshot& snapshot, const core::HostFacts* facts,
                                     const Thresholds& thresholds);

// A finding for each limit rated WARNING or worse, plus counters that prove a limit was hit
// (TCPTimeWaitOverflow, TCPAbortOnMemory).
std::vector<Finding> limit_findings(const std::vector<LimitUsage>& limits,
                                    const core::HostFacts* facts);

}  // namespace portwatch::analyze
