#pragma once
// The monitor's memory: Port Reporter's logs, queryable. One interface, a SQLite
// implementation (sqlite_store.h) and the queries `portwatch history` asks. Writes come from
// one writer (the monitor); readers (history, top, report, the exporter) never block it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/clock.h"
#include "core/events.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::store {

struct RunInfo {
    core::TimePoint started;
    std::string hostname;
    std::string source;  // the event source: "ebpf", "poll"
    std::string scope;   // the namespace watched, "" for the caller's own
    std::string version;
};

// One pool at the end of one minute (the monitor's rollup).
struct PoolSample {
    core::TimePoint at;
    // Stable key, as the report prints it: "tcp-connect 10.0.0.1 -> 10.0.0.2:443".
    std::string pool;
    std::string kind;  // "tcp-connect", "tcp-local", "udp-local"
    std::uint64_t netns = 0;
    std::uint32_t size = 0;
    std::uint32_t used = 0;  // size - free
    std::uint32_t established = 0, time_wait = 0, close_wait = 0, other = 0;
    std::string severity;  // "OK", "WARNING", "CRITICAL", "EXHAUSTED"
    std::optional<double> seconds_left;
};

// One process at the end of one minute.
struct ProcessSample {
    core::TimePoint at;
    std::int32_t pid = 0;
    std::string name;
    std::string unit;  // cgroup path or systemd unit
    // Local ports it took (connections it opened, listeners, bound and UDP sockets), TIME_WAIT
    // it made included; the state counts are of these.
    std::uint32_t ports = 0;
    std::uint32_t established = 0, time_wait = 0, close_wait = 0, other = 0;
    std::uint32_t time_wait_exact = 0;  // of time_wait, makers recorded rather than inferred
    std::uint32_t accepted = 0;  // connections accepted on its listeners: no port of their own
    std::uint32_t opened = 0, closed = 0, failures = 0;  // during the minute
    std::string top_destination;                         // "10.0.0.2:443"
};

struct ProcessLife {
    core::TimePoint at;
    bool started = true;  // false: exited
    std::int32_t pid = 0;
    std::string name;
    std::string unit;
    std::uint32_t ports = 0;  // ports held at that moment
};

// A pool crossing a severity threshold (either way).
struct Crossing {
    core::TimePoint at;
    std::string pool;
    std::string from, to;  // severity names
    double utilisation = 0;
};

// One line of the host's facts (analyze/host_fact_lines.h), as the monitor recorded it.
struct HostFact {
    std::string label, value;
    friend bool operator==(const HostFact&, const HostFact&) = default;
};

struct Retention {
    std::chrono::hours max_age{24 * 14};
    std::uint64_t max_bytes = 1ull << 30;
};

class HistoryStore {
  public:
    virtual ~HistoryStore() = default;
    // A monitor run starts; `at_start` is the state then (every socket with its owners).
    virtual Result<std::int64_t> begin_run(const RunInfo& run, const core::Snapshot& at_start) = 0;
    // Every port taken and released, every failed allocation, in one transaction.
    virtual Result<void> record(const core::EventBatch& batch) = 0;
    virtual Result<void> record_process(const ProcessLife& life) = 0;
    virtual Result<void> record_minute(std::span<const PoolSample> pools,
                                       std::span<const ProcessSample> processes) = 0;
    virtual Result<void> record_crossing(const Crossing& crossing) = 0;
    // The host's facts at `at`, the whole set (a reader takes the newest set as the host's).
    virtual Result<void> record_facts(core::TimePoint at, std::span<const HostFact> facts) = 0;
    virtual Result<void> apply_retention(const Retention& retention, core::TimePoint now) = 0;
    // Commits what was recorded so far (a store may batch writes; SqliteStore commits at least
    // once a second on its own while it is written to, and flush() ends a quiet spell's wait).
    virtual Result<void> flush() { return {}; }
    // The run ends (the monitor stops): stamps its end and commits.
    virtual Result<void> end_run(core::TimePoint at) {
        (void)at;
        return flush();
    }
};

}  // namespace portwatch::store
