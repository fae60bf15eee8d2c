#pragma once
// The host facts a report rests on, as label and value lines: the range and where it came
// from, the ports it loses (reserved, bound, listeners), tcp_tw_reuse, the TIME_WAIT length,
// the kernel, every neighbouring limit checked. What `portwatch report` prints for a live
// diagnosis and what the monitor records for the history's report.

#include <string>
#include <vector>

#include "analyze/report.h"

namespace portwatch::analyze {

struct HostFactLine {
    std::string label, value;
};

std::vector<HostFactLine> host_fact_lines(const Report& report);

}  // namespace portwatch::analyze
