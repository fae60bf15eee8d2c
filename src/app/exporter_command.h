#pragma once
// `portwatch exporter`: the metrics of this host's port pools, processes and neighbouring
// limits for Prometheus, over HTTP(S): /metrics, /healthz, / (an index). Bound to 127.0.0.1
// unless --listen says otherwise; TLS and basic auth from a web-config file.

#include <CLI/CLI.hpp>
#include <chrono>
#include <ostream>
#include <string>

#include "app/exporter_server.h"
#include "app/live_args.h"
#include "collect/live_source.h"
#include "core/result.h"
#include "export/scrape_cache.h"
#include "monitor/monitor.h"

namespace portwatch::app {

// The default port: outside 9100-9999, the block the Prometheus wiki's "default port
// allocations" page hands to exporters (full since 2023, so every number in it is some
// registered exporter's), below Linux's ephemeral range (32768-60999), and not a port a
// well-known service uses. docs/metrics.md says the same.
inline constexpr int kExporterDefaultPort = 10130;

struct ExporterOptions {
    std::string host = "127.0.0.1";
    int port = kExporterDefaultPort;
    std::string netns;  // "" own, a name/pid/path, or "all"
    std::string web_config;
    exporter::ScrapeOptions scrape;
    ServerLimits limits;
    collect::LiveOptions live;
    analyze::Thresholds thresholds;
    bool run_monitor = false;  // an in-process Monitor for forecasts, exact TIME_WAIT, failures
    monitor::MonitorOptions monitor;
    bool metrics_doc = false;                           // print docs/metrics.md and exit
    std::optional<std::chrono::milliseconds> duration;  // tests: stop after this long
};

struct ExporterArgs {
    std::string listen = "127.0.0.1:" + std::to_string(kExporterDefaultPort);
    std::string netns;
    std::string web_config;
    std::size_t top_pools = 20, top_processes = 20;
    std::string cache = "1s";
    std::size_t workers = 16;
    std::size_t per_address = kDefaultPerAddress;
    std::string request_timeout = "10s";
    bool monitor = false;
    std::string source = "auto";
    std::string interval = "5s";
    std::string duration;
    bool metrics_doc = false;
    LiveArgs live;
};

CLI::App* add_exporter_command(CLI::App& app, ExporterArgs& args);
Result<ExporterOptions> finish_exporter_args(const ExporterArgs& args);
// "127.0.0.1:10130", "[::1]:10130", ":10130" (every address): host and port.
Result<std::pair<std::string, int>> parse_listen(std::string_view text);
// The exporter's answer to one request: /metrics, /healthz and / to GET (and HEAD), behind
// basic auth when `auth` has users (401 to any method without it); nullopt for anything else
// (404). Called on the server's threads; `cache` and `auth` must outlive the server.
std::optional<HttpResponse> exporter_response(const HttpRequest& request,
                                              exporter::ScrapeCache& cache, BasicAuth& auth);
// 0 when stopped by SIGINT/SIGTERM (or --duration); kExitFailure when it could not start.
int run_exporter(const ExporterOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
