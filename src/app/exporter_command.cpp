#include "app/exporter_command.h"

#include <signal.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "app/exit_code.h"
#include "app/exporter_module.h"
#include "app/monitor_command.h"
#include "app/stop_signals.h"
#include "app/version.h"
#include "export/exposition.h"
#include "render/utf8.h"

namespace portwatch::app {

namespace {

constexpr const char* kIndex = R"(<html><head><title>portwatch exporter</title></head><body>
<h1>portwatch exporter</h1>
<p>Ephemeral port pools, the processes that hold them, and neighbouring limits.</p>
<ul><li><a href="/metrics">/metrics</a>: Prometheus text 0.0.4, or OpenMetrics 1.0 when asked</li>
<li><a href="/healthz">/healthz</a>: 200 while the exporter serves</li></ul>
</body></html>
)";

// The in-process monitor: steps on its own thread; the exporter reads a copy of its state.
class MonitorThread {
  public:
    MonitorThread(std::unique_ptr<monitor::Monitor> m, std::ostream& log)
        : monitor_(std::move(m)), log_(log) {
        publish();
        thread_ = std::thread([this] { run(); });
    }
    ~MonitorThread() {
        stop_ = true;
        monitor_->interrupt();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    MonitorThread(const MonitorThread&) = delete;
    MonitorThread& operator=(const MonitorThread&) = delete;
    std::optional<monitor::MonitorState> state() const {
        std::lock_guard lock(mutex_);
        return state_;
    }

  private:
    void run() {
        while (!stop_) {
            if (auto ok = monitor_->step(); !ok) {
                log_ << "portwatch: monitor stopped: " << render::terminal_safe(ok.error().message)
                     << '\n';
                return;
            }
            publish();
        }
    }
    void publish() {
        std::lock_guard lock(mutex_);
        state_ = monitor_->state();
    }
    std::unique_ptr<monitor::Monitor> monitor_;
    std::ostream& log_;
    mutable std::mutex mutex_;
    std::optional<monitor::MonitorState> state_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Runs every snapshot on one thread of its own. The HTTP workers take turns serving scrapes;
// were the snapshot taken on whichever worker asked, each would grow its own malloc arena
// to the size of a 100k-socket snapshot and keep it (measured: 206 MiB peak after 5 scrapes).
class SamplerThread {
  public:
    explicit SamplerThread(exporter::Sampler sampler) : sampler_(std::move(sampler)) {
        thread_ = std::thread([this] { run(); });
    }
    ~SamplerThread() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    SamplerThread(const SamplerThread&) = delete;
    SamplerThread& operator=(const SamplerThread&) = delete;
    // Takes the samples on the sampler's thread; the caller waits (ScrapeCache lets one
    // caller at a time in).
    Result<std::vector<live::ScopeSample>> sample() {
        std::packaged_task<Result<std::vector<live::ScopeSample>>()> task(sampler_);
        auto result = task.get_future();
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(task));
        }
        wake_.notify_one();
        return result.get();
    }

  private:
    void run() {
        for (;;) {
            std::packaged_task<Result<std::vector<live::ScopeSample>>()> task;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
                if (queue_.empty()) {
                    return;
                }
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            task();
        }
    }
    exporter::Sampler sampler_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<Result<std::vector<live::ScopeSample>>()>> queue_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

Result<std::pair<std::string, int>> parse_listen(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return make_error("--listen: expected HOST:PORT, got '" + std::string(text) + "'");
    }
    std::string host(text.substr(0, colon));
    const std::string_view port_text = text.substr(colon + 1);
    int port = -1;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 0 ||
        port > 65535) {
        return make_error("--listen: bad port '" + std::string(port_text) + "'");
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
        return make_error("--listen: an IPv6 address goes in brackets: [::1]:PORT");
    }
    if (host.empty()) {
        host = "0.0.0.0";
    }
    return std::pair{host, port};
}

CLI::App* add_exporter_command(CLI::App& app, ExporterArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "exporter",
        "Serve port pools, holders and limits to Prometheus (/metrics), per destination");
    cmd->add_option("--listen", a.listen,
                    "address:port to serve on (the default port is portwatch's own; see "
                    "docs/metrics.md)")
        ->capture_default_str();
    cmd->add_option("--netns", a.netns,
                    "network namespace: a name from `ip netns`, a pid, a path, or `all`");
    cmd->add_option("--web-config", a.web_config,
                    "TLS and basic auth (exporter-toolkit web-config format; bcrypt hashes)");
    cmd->add_option("--top-pools", a.top_pools,
                    "pools kept per namespace, worst first; the rest summed under `other`")
        ->capture_default_str();
    cmd->add_option("--top-processes", a.top_processes,
                    "process names kept per namespace; the rest summed under `other`")
        ->capture_default_str();
    cmd->add_option("--cache", a.cache, "one snapshot serves every scrape for this long")
        ->capture_default_str();
    cmd->add_option("--workers", a.workers, "connections served at once")->capture_default_str();
    cmd->add_option("--max-connections-per-ip", a.per_address,
                    "connections one client address may hold open, at most --workers (more are "
                    "closed at once; 0: no cap)")
        ->capture_default_str();
    cmd->add_option("--request-timeout", a.request_timeout,
                    "a request and its response must be done within this")
        ->capture_default_str();
    cmd->add_flag("--monitor", a.monitor,
                  "run the monitor in-process: forecasts (seconds to exhaustion), exact "
                  "TIME_WAIT makers, failed allocations");
    cmd->add_option("--source", a.source, "the monitor's event source: auto, ebpf, poll")
        ->capture_default_str();
    cmd->add_option("--interval", a.interval, "between the monitor's samples")
        ->capture_default_str();
    cmd->add_option("--duration", a.duration, "stop after this long (default: until SIGTERM)");
    cmd->add_flag("--metrics-doc", a.metrics_doc,
                  "print the metrics reference (docs/metrics.md) and exit");
    cmd->add_option("--owners", a.live.owners,
                    "how to find owning processes: auto, proc, bpf, none")
        ->capture_default_str();
    cmd->footer(R"(ENDPOINTS:
  /metrics   Prometheus text 0.0.4; OpenMetrics 1.0 when the Accept header asks for it
  /healthz   200 "ok" while serving
  /          a short index

EXAMPLES:
  sudo portwatch exporter                          127.0.0.1:10130, this namespace
  sudo portwatch exporter --listen :10130 --web-config /etc/portwatch/web.yml
  sudo portwatch exporter --netns all --monitor    every namespace, with forecasts

Metrics, labels and the series budget: docs/metrics.md. Alert rules and a dashboard:
deploy/prometheus/, deploy/grafana/.)");
    return cmd;
}

Result<ExporterOptions> finish_exporter_args(const ExporterArgs& a) {
    ExporterOptions o;
    o.metrics_doc = a.metrics_doc;
    auto listen = parse_listen(a.listen);
    if (!listen) {
        return std::unexpected(listen.error());
    }
    o.host = listen->first;
    o.port = listen->second;
    o.netns = a.netns;
    o.web_config = a.web_config;
    if (a.top_pools == 0 || a.top_processes == 0) {
        return make_error("--top-pools and --top-processes must be at least 1");
    }
    o.scrape.fold.top_pools = a.top_pools;
    o.scrape.fold.top_processes = a.top_processes;
    o.scrape.version = "portwatch " + std::string(build_info().version);
    auto duration = [](const std::string& text,
                       const char* option) -> Result<std::chrono::milliseconds> {
        auto d = parse_duration(text);
        if (!d) {
            return std::unexpected(with_context(d.error(), option));
        }
        return d;
    };
    auto cache = duration(a.cache, "--cache");
    if (!cache) {
        return std::unexpected(cache.error());
    }
    o.scrape.max_age = *cache;
    if (a.workers == 0 || a.workers > 1024) {
        return make_error("--workers must be 1 to 1024");
    }
    o.limits.workers = a.workers;
    // A cap above the workers caps nothing: one address could hold them all.
    o.limits.per_address = std::min(a.per_address, a.workers);
    auto timeout = duration(a.request_timeout, "--request-timeout");
    if (!timeout) {
        return std::unexpected(timeout.error());
    }
    if (*timeout < std::chrono::milliseconds(100)) {
        return make_error("--request-timeout must be at least 100ms");
    }
    o.limits.request_timeout = *timeout;
    o.limits.idle_timeout = std::min(o.limits.idle_timeout, *timeout);
    if (!a.duration.empty()) {
        auto d = duration(a.duration, "--duration");
        if (!d) {
            return std::unexpected(d.error());
        }
        o.duration = *d;
    }
    if (auto ok = finish_live_args(a.live, o.live); !ok) {
        return std::unexpected(ok.error());
    }
    o.run_monitor = a.monitor;
    if (a.monitor) {
        if (a.netns == "all") {
            return make_error("--monitor watches one namespace: give --netns NAME, not all");
        }
        if (a.source == "auto") {
            o.monitor.source = collect::EventSourceKind::Auto;
        } else if (a.source == "ebpf") {
            o.monitor.source = collect::EventSourceKind::Ebpf;
        } else if (a.source == "poll") {
            o.monitor.source = collect::EventSourceKind::Poll;
        } else {
            return make_error("--source must be auto, ebpf or poll");
        }
        auto interval = duration(a.interval, "--interval");
        if (!interval) {
            return std::unexpected(interval.error());
        }
        if (*interval < std::chrono::milliseconds(100)) {
            return make_error("--interval must be at least 100ms");
        }
        o.monitor.interval = *interval;
        o.monitor.live = o.live;
        o.monitor.live.platform.netns = a.netns;
        o.monitor.label = a.netns;
        o.monitor.version = o.scrape.version;
        o.monitor.safe_text = [](std::string_view t) { return render::terminal_safe(t); };
    }
    return o;
}

std::optional<HttpResponse> exporter_response(const HttpRequest& request,
                                              exporter::ScrapeCache& cache, BasicAuth& auth) {
    if (auth.enabled() && !auth.check(request.header("Authorization"))) {
        return HttpResponse{401,
                            "unauthorized\n",
                            "text/plain; charset=utf-8",
                            {{"WWW-Authenticate", "Basic realm=\"portwatch\""}}};
    }
    if (request.method != "GET" && request.method != "HEAD") {
        return std::nullopt;
    }
    if (request.path == "/metrics") {
        const auto format = exporter::negotiate(request.header("Accept"));
        const auto set = cache.get();
        std::ostringstream body;
        exporter::write_exposition(*set, format, body);
        return HttpResponse{200, body.str(), std::string(exporter::content_type(format)), {}};
    }
    if (request.path == "/healthz") {
        return HttpResponse{200, "ok\n", "text/plain; charset=utf-8", {}};
    }
    if (request.path == "/") {
        return HttpResponse{200, kIndex, "text/html; charset=utf-8", {}};
    }
    return std::nullopt;
}

int run_exporter(const ExporterOptions& options, std::ostream& out, std::ostream& err) {
    if (options.metrics_doc) {
        exporter::write_metrics_doc(out);
        return kExitOk;
    }
    WebConfig web;
    if (!options.web_config.empty()) {
        auto read = read_web_config(options.web_config);
        if (!read) {
            err << "portwatch: " << render::terminal_safe(read.error().message) << '\n';
            return kExitFailure;
        }
        web = std::move(*read);
    }
    // Blocked before any thread starts, so that every thread inherits the mask.
    StopSignals signals;  // before the threads start: they inherit the mask
    std::unique_ptr<MonitorThread> monitor;
    if (options.run_monitor) {
        auto created =
            monitor::Monitor::create(options.monitor, core::system_clock(), nullptr, err);
        if (!created) {
            err << "portwatch: the monitor cannot start: "
                << render::terminal_safe(created.error().message) << '\n';
            return kExitFailure;
        }
        monitor = std::make_unique<MonitorThread>(std::move(*created), err);
    }
    exporter::MonitorView view;
    if (monitor) {
        view = [m = monitor.get()] { return m->state(); };
    }
    SamplerThread sampler(exporter::live_sampler(options.live, options.netns, options.thresholds));
    exporter::ScrapeCache cache([&sampler] { return sampler.sample(); }, view, core::system_clock(),
                                options.scrape);
    BasicAuth auth(web.users);
    auto create = load_exporter_server();
    if (!create) {
        err << "portwatch: " << render::terminal_safe(create.error().message) << '\n';
        return kExitFailure;
    }
    auto server =
        (*create)(options.host, options.port, web, options.limits,
                  [&](const HttpRequest& r) { return exporter_response(r, cache, auth); });
    if (!server) {
        err << "portwatch: " << render::terminal_safe(server.error().message) << '\n';
        return kExitFailure;
    }
    const bool v6 = options.host.find(':') != std::string::npos;
    err << "portwatch exporter: serving " << (web.tls() ? "https" : "http") << "://"
        << (v6 ? "[" : "") << options.host << (v6 ? "]" : "") << ':' << (*server)->port()
        << "/metrics" << (auth.enabled() ? " (basic auth)" : "") << std::endl;
    std::atomic<bool> failed{false};
    std::thread serving([&] { failed = !(*server)->serve(); });
    const auto started = std::chrono::steady_clock::now();
    for (;;) {
        auto step = std::chrono::milliseconds(500);
        if (options.duration) {
            const auto left =
                *options.duration - std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started);
            if (left <= std::chrono::milliseconds(0)) {
                break;
            }
            step = std::min(step, left);
        }
        if (signals.wait(step) != 0 || failed) {
            break;
        }
    }
    (*server)->stop();
    serving.join();
    if (failed) {
        err << "portwatch: the exporter's listener failed\n";
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace portwatch::app
