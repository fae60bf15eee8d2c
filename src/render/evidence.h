#pragma once
// `portwatch report`'s evidence: the case for the application's vendor as plain data, filled
// from a live diagnosis, from the monitor's history or from saved captures
// (evidence_builder.h), and written as one self-contained HTML file or as Markdown
// (evidence_renderer.h). Text here is as the system gave it (process names, command lines):
// the writers escape it, the model never does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/severity.h"
#include "core/clock.h"

namespace portwatch::render {

// Where the evidence came from.
enum class EvidenceSource : std::uint8_t { Live, History, Captures };
std::string_view evidence_source_name(EvidenceSource source);  // "live", "history", "captures"

struct ChartPoint {
    core::TimePoint at;
    double value = 0;
};

struct ChartSeries {
    std::string name;  // from the system (a pool key, a process name): escaped when written
    std::vector<ChartPoint> points;  // in time order, at most EvidenceLimits::points
};

// A horizontal line across a chart: a pool's size, a severity threshold.
struct ChartLine {
    double value = 0;
    std::string label;  // "WARNING 70 %"
};

struct Chart {
    std::string id;     // the element id: "chart-pools"
    std::string title;  // "Ports used per pool"
    std::string unit;   // of the y axis: "ports", "failures/min", "% used"
    std::vector<ChartSeries> series;
    std::vector<ChartLine> lines;
    bool area = false;  // fill under the first series
    bool empty() const;
};

// A pool as it stands at the end of the evidence, with its worst moment.
struct EvidencePool {
    std::string name;  // "tcp-connect 10.0.0.1 -> 10.0.0.2:443"
    std::uint32_t size = 0;
    std::uint32_t used = 0;
    std::uint32_t peak_used = 0;
    core::TimePoint peak_at;
    analyze::Severity severity = analyze::Severity::Ok;  // at the end
    analyze::Severity worst = analyze::Severity::Ok;     // over the window
};

struct EvidenceDestination {
    std::string endpoint;  // "10.0.0.2:443"
    std::uint64_t count = 0;
};

// A process draining a pool: its connections by state and destination, and its growth.
// How a culprit without a name is shown: nobody found (pid 0), or a capture without names.
inline constexpr std::string_view kNoOwner = "(no owner found)";
inline constexpr std::string_view kNoName = "(name not captured)";
inline std::string_view culprit_name(std::int32_t pid, const std::string& name) {
    return !name.empty() ? std::string_view(name) : pid == 0 ? kNoOwner : kNoName;
}

struct EvidenceCulprit {
    std::int32_t pid = 0;  // 0: nobody could be found for these sockets
    std::string name;
    std::string cmdline;
    std::uint32_t sockets = 0;  // at the end (captures, live) or at the latest minute (history)
    std::uint32_t peak = 0;
    std::uint32_t established = 0, time_wait = 0, close_wait = 0, syn_sent = 0, other = 0;
    std::vector<EvidenceDestination> destinations;  // most first, at most kDestinations
    std::optional<double> per_hour;                 // growth (least squares), when measured
    std::string attribution;                        // "exact", "inferred", "exact and inferred"
    std::string mechanism;                          // "TIME_WAIT churn", ...
};

struct EvidenceCrossing {
    core::TimePoint at;
    std::string pool;
    std::string from, to;  // severity names
    double utilisation = 0;
};

struct EvidenceFailure {
    std::string process;  // "name (pid)"
    std::string call;     // "connect", "bind"
    std::string error;    // "EADDRNOTAVAIL"
    std::string target;   // "10.0.0.2:443"
    std::uint64_t count = 0;
    core::TimePoint first, last;
};

// A labelled fact: "ephemeral range" -> "32768-60999 (sysctl)".
struct EvidenceFact {
    std::string label;
    std::string value;
};

struct Evidence {
    EvidenceSource source = EvidenceSource::Live;
    std::string host;       // hostname, or the capture's label
    std::string generator;  // "portwatch 1.4.0 (abc1234)"
    core::TimePoint generated_at;
    core::TimePoint from, until;  // the window the data covers (equal for one sample)
    std::size_t samples = 0;      // reports, minutes or captures the charts are drawn from

    // The verdict, first thing in the file.
    analyze::Severity verdict = analyze::Severity::Ok;
    bool unknown = false;
    std::string summary;   // one or two sentences
    std::string breaks;    // what fails now, or first
    std::string forecast;  // "At +12 ports/hour the pool is dry in about 3 h", or empty

    std::vector<EvidencePool> pools;  // worst first, at most EvidenceLimits::pools
    std::size_t more_pools = 0;
    Chart pool_chart;                       // ports used per pool over time, with each pool's size
    Chart culprit_chart;                    // sockets per culprit over time
    std::vector<EvidenceCulprit> culprits;  // most sockets first, at most EvidenceLimits::culprits
    std::size_t more_culprits = 0;
    std::string culprits_note;  // why the table lists whom it lists, when that is not obvious
    Chart failure_chart;        // failed allocations per minute (history), empty otherwise
    std::uint64_t failures_total = 0;
    bool failures_measured = true;  // false: the history's runs had no eBPF source to see them
    std::vector<EvidenceFailure> failures;  // most first, at most EvidenceLimits::rows
    std::size_t more_failures = 0;
    std::vector<EvidenceCrossing> crossings;  // in time order, at most EvidenceLimits::rows
    std::size_t more_crossings = 0;
    std::vector<EvidenceFact> host_facts;  // range and origin, reserved ports, limits
    std::vector<EvidenceFact> remedies;    // finding -> what to change, most urgent first
    std::vector<EvidenceFact> method;      // sources, owners exact or inferred, thresholds
    std::vector<std::string> warnings;     // partial data, as the sources said it
};

// Bounds that keep a report of weeks of history small (docs/report.md: under 2 MB for a day).
struct EvidenceLimits {
    std::size_t points = 480;  // per series, after downsampling
    std::size_t pools = 8;     // rows in the pool table; charted: the worst 5
    std::size_t charted = 5;   // series per chart
    std::size_t culprits = 10;
    std::size_t rows = 50;  // failures, crossings
    static constexpr std::size_t kDestinations = 5;
};

}  // namespace portwatch::render
