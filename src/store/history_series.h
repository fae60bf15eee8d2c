#pragma once
// The history as time series, for `portwatch report --from-history`: every pool's and every
// process's per-minute rollup in the window, failed allocations counted per minute, the runs'
// hosts and event sources, and the host's facts. Pure reads, like history_query.h: they never
// block the writer.
// The report downsamples; this returns every row of the window (a day at one row a minute is
// 1,440 rows per pool and per process recorded).

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/db.h"
#include "store/history_query.h"
#include "store/history_store.h"

namespace portwatch::store {

struct FailureMinute {
    core::TimePoint at;  // the start of the minute
    std::uint64_t count = 0;
};

struct HistorySeries {
    std::vector<PoolSample> pools;         // time order, then pool
    std::vector<ProcessSample> processes;  // time order, then pid
    std::vector<FailureMinute> failures;   // minutes with at least one failure, time order
    std::vector<std::string> hostnames;    // of the runs in the window, distinct
    std::vector<std::string> sources;      // their event sources ("ebpf", "poll"), distinct
    std::uint64_t lost = 0;                // events the sources dropped in those runs
    // The host's facts as the monitor last recorded them by the window's end (none before
    // schema version 4), and when.
    std::vector<HostFact> facts;
    core::TimePoint facts_at;
};

// The window of `filter` (since/until; processes and pool are ignored, limit too), in one
// read transaction.
Result<HistorySeries> read_series(Db& db, const HistoryFilter& filter);

}  // namespace portwatch::store
