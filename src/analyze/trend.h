#pragma once
// Several reports of one host over time (saved captures today, the monitor's history later):
// how the worst pool's usage and each process's share of it moved, and when the pool runs dry
// at that rate. Pure: reports in, numbers out.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "analyze/addr_key.h"
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
    PoolKey pool;           // the worst pool of the last capture
    std::string pool_text;  // "tcp-local 10.3.0.4"
    std::chrono::system_clock::time_point from, to;
    std::size_t captures = 0;
    std::uint32_t size = 0;
    std::uint32_t used_first = 0, used_last = 0;  // size - free
    double used_per_hour = 0;                     // least-squares slope
    // Hours until no port is free at `used_per_hour`; unset when usage is not growing.
    std::optional<double> hours_left;
    std::vector<ProcessTrend> processes;  // biggest growth first
};

// Builds the trend one report at a time, keeping running sums per pool and per process rather
// than the reports: memory grows with the pools and processes seen, not with the number of
// captures (a file of 150,000 captures). Reports may come in any order of time; among equal
// times the one added later counts as later (as a stable sort by time would order them).
class TrendBuilder {
  public:
    void add(const Report& report);
    std::size_t captures() const { return captures_; }
    // nullopt unless there are at least two captures at two different times. `latest` is the
    // report of the latest capture (the last added among those with the latest time).
    std::optional<Trend> finish(const Report& latest) const;

  private:
    struct Order {  // a capture's place: its time, then its place in the input
        std::chrono::system_clock::time_point at;
        std::size_t index = 0;
        friend auto operator<=>(const Order&, const Order&) = default;
    };
    // Exact integer sums (x in milliseconds since reference_, y in ports or sockets): the
    // slope is computed from them once, without the rounding of running floating sums.
    __extension__ typedef __int128 Wide;
    struct Sums {  // of one pool or one process's share of it, over the captures it is in
        Wide xy = 0, y = 0;
        bool seen = false;
        Order first_seen, last_seen;
        std::uint32_t first = 0, last = 0;
        void add(const Order& o, std::int64_t x, std::uint32_t value);
    };
    struct OwnerSums {
        Sums sums;
        Order named;
        std::string name;  // the latest non-empty one
    };
    struct PoolSums {
        Sums used;
        std::map<std::int32_t, OwnerSums> owners;
    };
    using Key = std::tuple<std::uint8_t, std::uint64_t, std::uint8_t, detail::AddrKey,
                           detail::AddrKey, std::uint16_t>;
    static Key key_of(const PoolKey& key);

    std::size_t captures_ = 0;
    std::chrono::system_clock::time_point reference_;
    Wide sum_x_ = 0, sum_xx_ = 0;
    Order first_, last_;
    std::map<Key, PoolSums> pools_;
};

// nullopt unless there are at least two captures at two different times. `series` must be in
// time order.
std::optional<Trend> compute_trend(std::span<const TimedReport> series);

}  // namespace portwatch::analyze
