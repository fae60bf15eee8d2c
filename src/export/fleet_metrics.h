#pragma once
// From what portwatch knows about a namespace (its diagnose Report, the Snapshot it came
// from, and the monitor's state when one runs) to the exporter's samples, with bounded
// cardinality: the top K pools and process names, the rest summed under "other".

#include <cstddef>
#include <cstdint>
#include <string>

#include "analyze/report.h"
#include "core/snapshot.h"
#include "export/exposition.h"
#include "monitor/state.h"

namespace portwatch::exporter {

struct FoldOptions {
    std::size_t top_pools = 20;      // per namespace; worst first (the report's order)
    std::size_t top_processes = 20;  // per namespace; most sockets first
};

struct FoldCounts {
    std::uint64_t pools = 0;      // pools summed under other
    std::uint64_t processes = 0;  // process names summed under other (or dropped from limits)
};

// The netns label of a report: its namespace's name, "host" for the caller's own.
std::string scope_label(const analyze::Report& report);

// One namespace's samples: range, pools, processes, limits. `snapshot` may be null (then no
// per-process socket counts); `monitor` may be null (then no forecasts, exact TIME_WAIT or
// failures). Adds what it folded to `folded`.
void add_scope_metrics(const analyze::Report& report, const core::Snapshot* snapshot,
                       const monitor::MonitorState* monitor, const FoldOptions& options,
                       MetricSet& set, FoldCounts& folded);

// The most series one namespace can give with these options (docs/metrics.md's budget):
// every family above counted at its worst.
std::size_t series_budget_per_scope(const FoldOptions& options);
// Series that do not depend on the namespaces (build info, folding, scrape duration/errors).
inline constexpr std::size_t kGlobalSeries = 7;

}  // namespace portwatch::exporter
