#pragma once
// The exporter's metrics, in one table: name, type, help, unit and labels of every family.
// The exposition writer takes HELP, TYPE and UNIT from it, docs/metrics.md is generated from
// it (write_metrics_doc; a test compares), and every sample names its family by Metric.

#include <array>
#include <cstddef>
#include <ostream>
#include <span>
#include <string_view>

namespace portwatch::exporter {

enum class MetricType : unsigned char { Gauge, Counter, Info };

std::string_view metric_type_name(MetricType type);  // "gauge", "counter", "info"

// Every family, in exposition order. The enum indexes metric_table().
enum class Metric : unsigned char {
    BuildInfo,
    ScopeUp,
    ScopeSeverity,
    RangePorts,
    ReservedPorts,
    PoolSizePorts,
    PoolUsedPorts,
    PoolFreePorts,
    PoolSockets,
    PoolUtilisation,
    PoolSeverity,
    PoolExhaustionSeconds,
    ProcessSockets,
    ProcessTimeWaitSockets,
    AllocationFailures,
    LimitUsed,
    LimitMax,
    LimitUtilisation,
    FoldedSeries,
    FoldedSeriesTotal,
    ScrapeDuration,
    ScrapeErrors,
    Count_,  // not a metric: the number of families
};

inline constexpr std::size_t kMetricCount = static_cast<std::size_t>(Metric::Count_);

struct MetricSpec {
    std::string_view name;  // full sample name (counters end in _total, info in _info)
    MetricType type = MetricType::Gauge;
    std::string_view unit;    // "seconds", "ports", "sockets", "ratio", ... ; the name ends in it
    std::string_view labels;  // comma-separated label names, in the order samples give them
    std::string_view help;
};

std::span<const MetricSpec, kMetricCount> metric_table();
const MetricSpec& spec(Metric metric);

// The family name OpenMetrics declares: counters without _total, info without _info.
std::string_view family_name(const MetricSpec& spec);

// docs/metrics.md: the table above as Markdown, with the series budget.
void write_metrics_doc(std::ostream& out);

}  // namespace portwatch::exporter
