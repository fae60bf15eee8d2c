#include "export/fleet_metrics.h"
#include "export/metrics.h"

namespace portwatch::exporter {

void write_metrics_doc(std::ostream& out) {
    const FoldOptions defaults;
    out << "# portwatch exporter metrics\n\n"
           "Generated from the metric table (`src/export/metrics.cpp`) by "
           "`portwatch exporter --metrics-doc`;\n"
           "the unit test `MetricsDoc.MatchesTheTable` fails when this file and the table "
           "differ.\n\n"
           "The exporter listens on 127.0.0.1:10130 by default (`--listen` to change it): the "
           "Prometheus wiki's default port\n"
           "allocations hand 9100-9999 to exporters and that block has been full since 2023, "
           "so every number in it is\n"
           "some registered exporter's; 10130 is outside it, below Linux's ephemeral range "
           "(32768-60999, where it would\n"
           "compete with the very ports portwatch watches), and not a well-known service's "
           "port.\n\n"
           "Label values are escaped (`\\\\`, `\\\"`, `\\n`) and made valid UTF-8 (invalid "
           "bytes become U+FFFD). An empty label\n"
           "is left out. `netns` is the namespace's name (`host` for the exporter's own). "
           "States are the kernel's TCP\n"
           "state names; a process's UDP sockets are counted under `state=\"UDP\"`.\n\n"
           "| name | type | unit | labels | help |\n|---|---|---|---|---|\n";
    for (const MetricSpec& s : metric_table()) {
        out << "| `" << s.name << "` | " << metric_type_name(s.type) << " | "
            << (s.unit.empty() ? "—" : s.unit) << " | " << (s.labels.empty() ? "—" : s.labels)
            << " | " << s.help << " |\n";
    }
    out << "\n## Series budget\n\n"
           "No pid label. Per namespace the exporter keeps the `--top-pools` worst pools (K_p) "
           "and the `--top-processes`\n"
           "process names with the most sockets (K_r); the rest are summed under "
           "`local=\"other\",destination=\"other\"`\n"
           "(one per pool kind: used ports and sockets by state) and `process=\"other\"`, and "
           "`portwatch_folded_series`\n"
           "says how many were. Descriptor limits keep the K_r fullest process names. At worst "
           "one namespace gives\n\n"
           "    4 + 18 K_p + 3 x 13 + 19 (K_r + 1) + 3 (5 + K_r)\n\n"
           "series (a pool: size, used, free, ratio, severity, forecast and 12 states; a process: "
           "13 states, 2 TIME_WAIT\n"
           "attributions, 4 errno values), plus "
        << kGlobalSeries
        << " for the exporter itself. With the defaults (K_p = " << defaults.top_pools
        << ", K_r = " << defaults.top_processes << ") that is " << series_budget_per_scope(defaults)
        << " series per namespace,\n"
        << "whatever the number of sockets or destinations (a unit test holds 100,000 sockets "
           "to 50,000 destinations to it).\n"
           "\n## Serving\n\n"
           "Concurrent scrapes share one snapshot, reused for `--cache` (1 s). `--workers` "
           "(16) threads serve connections,\n"
           "newest first; each request has one deadline (`--request-timeout`, 10 s) for its "
           "head, body and response, and a\n"
           "kept-alive connection waits at most 2 s for its next one. One client address "
           "holds at most\n"
           "`--max-connections-per-ip` connections (4; at most `--workers`, 0 for no cap): "
           "its next ones are closed at\n"
           "once, so a host with hundreds of idle connections ties up that many workers and a "
           "scraper elsewhere is\n"
           "served at once. Request heads over 8 KiB a line and bodies over 4 KiB are "
           "refused.\n";
}

}  // namespace portwatch::exporter
