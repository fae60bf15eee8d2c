#pragma once
// What a live Windows host says beyond its sockets, as findings (core::WindowsFacts):
// 1. Tcpip events 4227 (a local endpoint reused too soon) and 4231 (the global TCP port
//    space used up) in the System log are proof that exhaustion already happened, whatever
//    the sockets show now: WARNING for 4227 alone, CRITICAL once 4231 was logged.
// 2. The look-alike: non-paged pool running out (a driver or handle leak) fails outbound
//    connections the same way (WSAENOBUFS 10055). The pool's ceiling on x64 is taken as 75%
//    of physical memory; its use is rated with the report's thresholds, and when no port pool
//    is short the finding says "not ports: memory", with the processes holding most handles.

#include <chrono>
#include <vector>

#include "analyze/finding.h"
#include "analyze/severity.h"
#include "core/host_config.h"

namespace portwatch::analyze {

// `ports_short`: a port pool or range finding is WARNING or worse. `now`: the snapshot's time.
std::vector<Finding> windows_evidence_findings(const core::WindowsFacts& facts, bool ports_short,
                                               std::chrono::system_clock::time_point now,
                                               const Thresholds& thresholds);

// The non-paged pool's ceiling for `physical` bytes of memory (x64: 75%).
std::uint64_t nonpaged_pool_limit(std::uint64_t physical);

}  // namespace portwatch::analyze
