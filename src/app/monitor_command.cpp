#include "app/monitor_command.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "app/exit_code.h"
#include "app/monitor_output.h"
#include "app/stop_signals.h"
#include "app/version.h"
#include "render/utf8.h"
#include "store/paths.h"
#include "store/sqlite_store.h"

namespace portwatch::app {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data() || n > 10'000'000'000ull) {
        return make_error("expected a duration such as 500ms, 1s, 5m, 1h, got '" +
                          std::string(text) + "'");
    }
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::uint64_t ms_per = 0;
    if (unit.empty() || unit == "s") {
        ms_per = 1000;
    } else if (unit == "ms") {
        ms_per = 1;
    } else if (unit == "m" || unit == "min") {
        ms_per = 60'000;
    } else if (unit == "h") {
        ms_per = 3'600'000;
    } else if (unit == "d") {
        ms_per = 86'400'000;
    } else {
        return make_error("unknown unit '" + std::string(unit) + "' in '" + std::string(text) +
                          "' (ms, s, m, h, d)");
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(n * ms_per));
}

CLI::App* add_monitor_command(CLI::App& app, MonitorArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "monitor",
        "Watch port use continuously: rates, time to exhaustion, alerts, exact TIME_WAIT owners");
    cmd->add_option("--source", a.source,
                    "event source: auto (eBPF where it loads, else poll), ebpf, poll")
        ->capture_default_str();
    cmd->add_option("--interval", a.interval, "between samples (snapshot + diagnose): 1s, 500ms")
        ->capture_default_str();
    cmd->add_option("--netns", a.netns,
                    "network namespace to watch: a name from `ip netns`, a pid, a path");
    cmd->add_option("--alert-below", a.alert_below,
                    "alert when a pool runs dry sooner than this (e.g. 30m, 1h)")
        ->capture_default_str();
    cmd->add_option("--on-alert", a.on_alert,
                    "command run by /bin/sh -c on each alert, the alert as JSON on its stdin");
    cmd->add_option("--alert-timeout", a.alert_timeout,
                    "an --on-alert command still running after this is killed")
        ->capture_default_str();
    cmd->add_option("--db", a.db,
                    "history database (default: " +
                        store::default_history_path().value_or("see docs/history.md") + ")");
    cmd->add_flag("--no-db", a.no_db, "record no history");
    cmd->add_option("--duration", a.duration,
                    "stop after this long (default: until SIGINT/SIGTERM)");
    cmd->add_option("--status-every", a.status_every,
                    "a status line at most this often (default: every sample)");
    cmd->add_flag("--json", a.json,
                  "status lines as JSON, one object per line (schema: docs/monitor.md)");
    add_report_options(*cmd, a.report);
    cmd->add_option("--owners", a.live.owners,
                    "how to find owning processes: auto, proc, bpf, none")
        ->capture_default_str();
    cmd->footer(R"(OUTPUT:
  stderr: first the event source that runs and why, then alerts and trouble
  stdout: one status line per sample: time, verdict, source, the worst pool with its
          rate and time to exhaustion, the process holding most ports, events

EXAMPLES:
  sudo portwatch monitor                          watch this host, history in the default db
  portwatch monitor --source poll --no-db         no eBPF, no history (any user)
  sudo portwatch monitor --netns blue --alert-below 30m \
      --on-alert 'logger -t portwatch'            alert to syslog, the JSON on stdin
  portwatch monitor --json --duration 5m > log.ndjson

The monitor stops cleanly on SIGINT (Ctrl-C) or SIGTERM, at most one interval later.
Run as root (or with the capabilities in deploy/systemd/portwatch-monitor.service) to see
every process's sockets and for the eBPF source.)");
    return cmd;
}

Result<MonitorCommandOptions> finish_monitor_args(const MonitorArgs& a) {
    MonitorCommandOptions o;
    auto& m = o.monitor;
    if (a.source == "auto") {
        m.source = collect::EventSourceKind::Auto;
    } else if (a.source == "ebpf") {
        m.source = collect::EventSourceKind::Ebpf;
    } else if (a.source == "poll") {
        m.source = collect::EventSourceKind::Poll;
    } else {
        return make_error("--source must be auto, ebpf or poll");
    }
    auto duration = [](const std::string& text,
                       const char* option) -> Result<std::chrono::milliseconds> {
        auto d = parse_duration(text);
        if (!d) {
            return std::unexpected(with_context(d.error(), option));
        }
        return d;
    };
    auto interval = duration(a.interval, "--interval");
    if (!interval) {
        return std::unexpected(interval.error());
    }
    if (*interval < std::chrono::milliseconds(100)) {
        return make_error("--interval must be at least 100ms");
    }
    m.interval = *interval;
    auto below = duration(a.alert_below, "--alert-below");
    if (!below) {
        return std::unexpected(below.error());
    }
    m.alert_below = std::chrono::duration_cast<std::chrono::seconds>(*below);
    auto timeout = duration(a.alert_timeout, "--alert-timeout");
    if (!timeout) {
        return std::unexpected(timeout.error());
    }
    m.alert_timeout = *timeout;
    if (!a.duration.empty()) {
        auto d = duration(a.duration, "--duration");
        if (!d) {
            return std::unexpected(d.error());
        }
        o.duration = *d;
    }
    if (!a.status_every.empty()) {
        auto d = duration(a.status_every, "--status-every");
        if (!d) {
            return std::unexpected(d.error());
        }
        o.status_every = *d;
    }
    if (a.no_db && !a.db.empty()) {
        return make_error("--db and --no-db: choose one");
    }
    o.db = a.db;
    o.no_db = a.no_db;
    o.json = a.json;
    render::ReportOptions unused;
    if (auto ok = finish_report_args(a.report, m.thresholds, unused); !ok) {
        return std::unexpected(ok.error());
    }
    o.top = a.report.top;
    if (auto ok = finish_live_args(a.live, m.live); !ok) {
        return std::unexpected(ok.error());
    }
    m.live.platform.netns = a.netns;
    m.label = a.netns;
    m.on_alert = a.on_alert;
    m.alert_json = alert_json;
    m.safe_text = [](std::string_view text) { return render::terminal_safe(text); };
    m.version = "portwatch " + std::string(build_info().version);
    return o;
}

int run_monitor(const MonitorCommandOptions& o, std::ostream& out, std::ostream& err) {
    StopSignals stop;
    const core::Clock& clock = core::system_clock();
    // The history (docs/history.md): opened here, kept for the whole run. Failing to open it
    // is a warning: the monitor watches without recording.
    std::optional<store::SqliteStore> sqlite;
    store::HistoryStore* history = nullptr;
    if (!o.no_db) {
        auto path = o.db.empty() ? store::default_history_path() : Result<std::string>(o.db);
        auto db = path ? store::open_history(*path, store::OpenMode::ReadWrite)
                       : Result<store::Db>(std::unexpected(path.error()));
        auto opened = db ? store::SqliteStore::create(std::move(*db), clock)
                         : Result<store::SqliteStore>(std::unexpected(db.error()));
        if (opened) {
            sqlite.emplace(std::move(*opened));
            history = &*sqlite;
        } else {
            err << "portwatch: history: " << render::terminal_safe(opened.error().message)
                << "; not recording, still watching\n";
        }
    }
    auto created = monitor::Monitor::create(o.monitor, clock, history, err);
    if (!created) {
        err << "portwatch: monitor: " << render::terminal_safe(created.error().message) << '\n';
        return kExitFailure;
    }
    monitor::Monitor& m = **created;
    const auto started = clock.now();
    core::TimePoint last_status{};
    auto status = [&](bool force) {
        const auto& st = m.state();
        if (!force && o.status_every.count() > 0 && st.at - last_status < o.status_every) {
            return;
        }
        last_status = st.at;
        if (o.json) {
            write_status_json(out, st, o.top);
        } else {
            write_status_text(out, st);
        }
        out.flush();
    };
    status(true);
    for (;;) {
        if (int sig = stop.pending(); sig != 0) {
            err << "portwatch: monitor: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
                << ": stopped\n";
            break;
        }
        if (o.duration && clock.now() - started >= *o.duration) {
            break;
        }
        if (auto ok = m.step(); !ok) {
            status(true);
            err << "portwatch: monitor: " << render::terminal_safe(ok.error().message) << '\n';
            return kExitFailure;
        }
        status(false);
    }
    return kExitOk;
}

}  // namespace portwatch::app
