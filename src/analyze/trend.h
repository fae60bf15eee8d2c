#pragma once
// Several reports of one host over time (saved captures today, the monitor's history later):
// how the worst pool's usage and each process's share of it moved, and when the pool runs dry
// at that rate. Pure: reports in, numbers out.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analyze/report.h"

namespace portwatch::analyze {

struct TimedReport {
    const Report* report = nullptr;
    std::string label;        // "netstat.txt" or "trend.txt #2"
    std::string time_origin;  // "# taken at line", "--at", "file mtime", "time read"
};

struct ProcessTrend {
    std::int32_t pid = 0;  // 0: sockets nobody could be found for
    std::string name;
    std::uint32_t first = 0;  // sockets in the pool in the first capture
    std::uint32_t last = 0;   // ... in the last
    double per_hour = 0;      // least-squares slope over all captures
};

struct Trend {
    PoolKey pool;          // the worst pool of the last capture
    std::string pool_text;          // "tcp-local 10.3.0.4"
    std::chrono::system_clock::time_point from, to;
    std::size_t captures = 0;
    std::uint32_t size = 0;
    std::uint32_t used_first = 0, used_last = 0;  // size - free
    double used_per_hour = 0;                     // least-squares slope
    // Hours until no port is free at `used_per_hour`; unset when usage is not growing.
    std::optional<double> hours_left;
    std::vector<ProcessTrend> processes;  // biggest growth first
};

// nullopt unless there are at least two captures at two different times. `series` must be in
// time order.
std::optional<Trend> compute_trend(std::span<const TimedReport> series);

}  // namespace portwatch::analyze
