#pragma once
// The questions `portwatch history` asks of the history: what Port Reporter's parser answered
// (ports per process, remote endpoints contacted) and more (port use by hour of day, failed
// allocations, pools' peaks and the moments they crossed WARNING/CRITICAL). Pure reads on a
// database open_history(path, OpenMode::ReadOnly) returned: they never block the writer.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/db.h"
#include "store/history_store.h"

namespace portwatch::store {

struct HistoryFilter {
    std::optional<core::TimePoint> since;  // inclusive
    std::optional<core::TimePoint> until;  // exclusive
    // Process names (comm, exact) or pids (decimal); empty: every process. Applies to the
    // port, remote, hour and failure questions.
    std::vector<std::string> processes;
    // Pools whose key contains this text; empty: every pool. Applies to pools and crossings.
    std::string pool;
    std::size_t limit = 0;  // rows per question, most first; 0: all
};

// Ports a process took and released in the window.
struct ProcessPorts {
    std::int32_t pid = 0;  // 0 and an empty name: made by a process nobody recorded
    std::string name;
    std::string unit;
    std::uint64_t opened = 0;
    std::uint64_t closed = 0;
    std::uint64_t distinct_ports = 0;  // local ports among `opened`
    std::uint64_t exact = 0;           // of `opened`, maker recorded rather than inferred
    core::TimePoint first, last;
};

// A remote endpoint and how often this host connected to it (outbound connections only:
// peers accepted on a listening port are not counted).
struct RemoteUse {
    std::string protocol;  // "tcp", "udp"
    std::string address;
    std::uint16_t port = 0;
    std::uint64_t connections = 0;
    std::uint64_t processes = 0;  // distinct makers
    std::string top_process;      // the name that connected most
    core::TimePoint first, last;
};

// One hour of the day (UTC), added up over the window.
struct HourUse {
    int hour = 0;
    std::uint64_t opened = 0;
    std::uint64_t failures = 0;
};

struct FailureGroup {
    std::int32_t pid = 0;
    std::string name;
    std::string call;     // "connect", "bind"
    int error = 0;        // errno
    std::string address;  // connect: the destination; bind: the address asked for
    std::uint16_t port = 0;
    std::uint64_t count = 0;
    core::TimePoint first, last;
};

// A pool over the window, from the per-minute rollups.
struct PoolPeak {
    std::string pool;
    std::string kind;
    std::uint32_t size = 0;
    std::uint32_t peak_used = 0;
    core::TimePoint peak_at;
    std::string worst_severity;
    std::uint64_t minutes = 0;
};

enum class HistoryQuestion { Processes, Remotes, Hours, Failures, Pools, Crossings };

struct HistoryAnswer {
    std::vector<HistoryQuestion> asked;  // in the order they are printed
    HistoryFilter filter;
    std::vector<ProcessPorts> processes;
    std::vector<RemoteUse> remotes;
    std::vector<HourUse> hours;  // 24 rows, hour 0 first
    std::vector<FailureGroup> failures;
    std::vector<PoolPeak> pools;
    std::vector<Crossing> crossings;
};

Result<std::vector<ProcessPorts>> ports_per_process(Db& db, const HistoryFilter& filter);
Result<std::vector<RemoteUse>> remote_endpoints(Db& db, const HistoryFilter& filter);
Result<std::vector<HourUse>> use_by_hour(Db& db, const HistoryFilter& filter);
Result<std::vector<FailureGroup>> failed_allocations(Db& db, const HistoryFilter& filter);
Result<std::vector<PoolPeak>> pool_peaks(Db& db, const HistoryFilter& filter);
Result<std::vector<Crossing>> crossings(Db& db, const HistoryFilter& filter);

// Every question in `asked`, in one read transaction (one consistent view).
Result<HistoryAnswer> ask(Db& db, const HistoryFilter& filter,
                          const std::vector<HistoryQuestion>& asked);

std::string_view question_name(HistoryQuestion q);  // "processes", "remotes", ...

}  // namespace portwatch::store
