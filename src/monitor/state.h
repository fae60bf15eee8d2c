#pragma once
// What the monitor knows now: each pool with its rate and time left, each process with the
// ports it holds (TIME_WAIT it made included, exact where recorded), failures, recent history
// for sparklines. Plain data: `portwatch top`, the exporter and the monitor's own lines read it.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyze/severity.h"
#include "core/clock.h"

namespace portwatch::monitor {

struct PoolView {
    std::string pool;  // as the report prints it
    std::string kind;  // "tcp-connect", "tcp-local", "udp-local"
    std::uint32_t size = 0, used = 0, free = 0;
    double utilisation = 0;
    analyze::Severity severity = analyze::Severity::Ok;
    double used_per_minute = 0;              // the forecast's rate estimate
    std::optional<double> seconds_left;      // unset when not growing
    std::vector<std::uint32_t> recent_used;  // one per sample, oldest first (sparklines)
};

struct ProcessView {
    std::int32_t pid = 0;
    std::string name;
    // Sockets it took a local port for (connections it opened, listeners, bound, UDP), TIME_WAIT
    // it made included; the state counts are of these.
    std::uint32_t ports = 0;
    std::uint32_t established = 0, time_wait = 0, close_wait = 0, other = 0;
    std::uint32_t time_wait_exact = 0;
    std::uint32_t accepted = 0;  // connections accepted on its listeners (no port of their own)
    double failures_per_second = 0;
    std::uint64_t failures_total = 0;
    std::vector<std::pair<int, std::uint64_t>> failures_by_errno;  // errno -> failures, as seen
    std::string top_destination;
    std::vector<std::uint32_t> recent_ports;  // one per sample, oldest first
    double ports_per_minute = 0;              // the forecast's rate estimate of `ports`
    // At that rate, until the fullest pool it holds ports in has none free; unset when its
    // ports are not growing.
    std::optional<double> seconds_left;
};

struct MonitorState {
    core::TimePoint at;
    std::string source;      // "ebpf", "poll"
    std::string source_why;  // why that source runs
    std::uint64_t events_lost = 0;
    std::uint64_t failures_total = 0;
    std::uint64_t events_total = 0;                     // port events the source delivered
    std::uint64_t samples = 0;                          // snapshots + diagnoses taken
    analyze::Severity verdict = analyze::Severity::Ok;  // the latest report's
    std::string summary;                                // ... and its summary sentence
    std::vector<PoolView> pools;                        // worst first
    std::vector<ProcessView> processes;                 // most ports first
    std::vector<std::string> warnings;                  // e.g. "history: disk full, not recording"
};

}  // namespace portwatch::monitor
