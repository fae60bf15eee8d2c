#include "export/metrics.h"

namespace portwatch::exporter {

namespace {

// The single source of truth: docs/metrics.md and every HELP/TYPE/UNIT line come from here.
constexpr std::array<MetricSpec, kMetricCount> kTable{{
    {"portwatch_build_info", MetricType::Info, "", "version",
     "Always 1; the portwatch version that serves these metrics."},
    {"portwatch_scope_up", MetricType::Gauge, "", "netns",
     "1 when the network namespace's sockets were read in the last snapshot, 0 when not."},
    {"portwatch_scope_severity", MetricType::Gauge, "", "netns",
     "Worst finding of the namespace: 0 OK, 1 WARNING, 2 CRITICAL, 3 EXHAUSTED."},
    {"portwatch_ephemeral_range_ports", MetricType::Gauge, "", "netns",
     "Ports the kernel may assign automatically (ip_local_port_range minus reserved ports)."},
    {"portwatch_ephemeral_reserved_ports", MetricType::Gauge, "", "netns",
     "Ports of the range reserved by ip_local_reserved_ports."},
    {"portwatch_pool_size_ports", MetricType::Gauge, "", "netns,kind,local,destination",
     "Ports a pool can hand out (a connect() pool per destination, a local pool per address)."},
    {"portwatch_pool_used_ports", MetricType::Gauge, "", "netns,kind,local,destination",
     "Ports of the pool that a new socket cannot take (its own, and ports bound elsewhere)."},
    {"portwatch_pool_free_ports", MetricType::Gauge, "", "netns,kind,local,destination",
     "Ports of the pool a new socket can still take (reusable TIME_WAIT included)."},
    {"portwatch_pool_sockets", MetricType::Gauge, "", "netns,kind,local,destination,state",
     "Sockets holding the pool's ports, by TCP state."},
    {"portwatch_pool_utilisation_ratio", MetricType::Gauge, "ratio", "netns,kind,local,destination",
     "Used share of the pool, 0 to 1 (1 - free / size)."},
    {"portwatch_pool_severity", MetricType::Gauge, "", "netns,kind,local,destination",
     "The pool's rating: 0 OK, 1 WARNING, 2 CRITICAL, 3 EXHAUSTED."},
    {"portwatch_pool_exhaustion_seconds", MetricType::Gauge, "seconds",
     "netns,kind,local,destination",
     "Forecast time until the pool has no free port (--monitor only; absent when not growing)."},
    {"portwatch_process_sockets", MetricType::Gauge, "", "netns,process,state",
     "Sockets the processes of this name hold open, by TCP state (no pid label)."},
    {"portwatch_process_time_wait_sockets", MetricType::Gauge, "", "netns,process,attribution",
     "TIME_WAIT sockets a process made: attribution=exact from the monitor's events, inferred "
     "by remote endpoint otherwise."},
    {"portwatch_allocation_failures_total", MetricType::Counter, "", "netns,process,errno",
     "Failed port allocations (connect/bind) seen by the monitor, by errno (--monitor only)."},
    {"portwatch_limit_used", MetricType::Gauge, "", "netns,limit,process",
     "Use of a neighbouring limit (conntrack, tw buckets, orphans, tcp_mem pages, file-max, "
     "process fds)."},
    {"portwatch_limit_max", MetricType::Gauge, "", "netns,limit,process",
     "The neighbouring limit itself."},
    {"portwatch_limit_utilisation_ratio", MetricType::Gauge, "ratio", "netns,limit,process",
     "Used share of the neighbouring limit, 0 to 1."},
    {"portwatch_folded_series", MetricType::Gauge, "", "family",
     "Pools or processes of the last snapshot summed under \"other\" (beyond --top-pools, "
     "--top-processes)."},
    {"portwatch_folded_series_total", MetricType::Counter, "", "family",
     "Pools or processes summed under \"other\", over every snapshot taken."},
    {"portwatch_scrape_duration_seconds", MetricType::Gauge, "seconds", "",
     "Time the last snapshot and diagnosis took."},
    {"portwatch_scrape_errors_total", MetricType::Counter, "", "",
     "Snapshots that failed, wholly or for one namespace."},
}};

}  // namespace

std::string_view metric_type_name(MetricType type) {
    switch (type) {
        case MetricType::Gauge:
            return "gauge";
        case MetricType::Counter:
            return "counter";
        case MetricType::Info:
            return "info";
    }
    return "gauge";
}

std::span<const MetricSpec, kMetricCount> metric_table() {
    return kTable;
}

const MetricSpec& spec(Metric metric) {
    return kTable[static_cast<std::size_t>(metric)];
}

std::string_view family_name(const MetricSpec& spec) {
    std::string_view name = spec.name;
    if (spec.type == MetricType::Counter && name.ends_with("_total")) {
        name.remove_suffix(6);
    } else if (spec.type == MetricType::Info && name.ends_with("_info")) {
        name.remove_suffix(5);
    }
    return name;
}

}  // namespace portwatch::exporter
