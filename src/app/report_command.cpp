#include "app/report_command.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <set>

#include "app/analyze_command.h"
#include "app/exit_code.h"
#include "app/monitor_command.h"
#include "app/monitor_output.h"
#include "app/stop_signals.h"
#include "app/version.h"
#include "live/live_diagnosis.h"
#include "render/evidence_builder.h"
#include "render/history_renderer.h"
#include "render/utf8.h"
#include "store/history_query.h"
#include "store/history_series.h"
#include "store/paths.h"

namespace portwatch::app {

namespace {

// The rows per table the history questions return: the report shows at most this many.
constexpr std::size_t kHistoryRows = 50;
// Live diagnoses one report may take (each a full diagnose; longer watches are the monitor's).
constexpr std::int64_t kMaxLiveSamples = 10'000;

Result<void> from_history(const ReportCommandOptions& o, render::EvidenceBuilder& builder) {
    const core::TimePoint now = o.clock->now();
    store::HistoryFilter filter;
    filter.since = resolve_history_time(o.since, now);
    filter.until = resolve_history_time(o.until, now);
    filter.limit = kHistoryRows;
    if (filter.since && filter.until && *filter.since >= *filter.until) {
        return make_error("--since (" + render::history_time(*filter.since) +
                          ") is not before --until (" + render::history_time(*filter.until) + ")");
    }
    std::string path = o.db;
    if (path.empty()) {
        auto p = store::default_history_path();
        if (!p) {
            return std::unexpected(p.error());
        }
        path = std::move(*p);
    }
    auto db = store::open_history(path, store::OpenMode::ReadOnly);
    if (!db) {
        if (db.error().kind == ErrorKind::NotFound) {
            return make_error(
                "no history at " + path +
                " (`portwatch monitor --db PATH` records it; --db PATH reads another)");
        }
        return std::unexpected(db.error());
    }
    using Q = store::HistoryQuestion;
    auto answer = store::ask(*db, filter, {Q::Failures, Q::Remotes, Q::Crossings});
    if (!answer) {
        return std::unexpected(answer.error());
    }
    auto series = store::read_series(*db, filter);
    if (!series) {
        return std::unexpected(series.error());
    }
    builder.set_history(std::move(*series), std::move(*answer));
    builder.add_method("history", path);
    return {};
}

// The captures are read by analyze's own path (one at a time, diagnosed and dropped); the
// report takes each diagnosis and the trend instead of analyze's output.
Result<void> from_captures(const ReportCommandOptions& o, render::EvidenceBuilder& builder,
                           std::istream& stdin_stream, std::ostream& err) {
    AnalyzeOptions a;
    a.files = o.captures;
    a.clock = o.clock;
    a.thresholds = o.thresholds;
    a.range = o.range;
    bool summarised = false;
    a.on_report = [&](const analyze::Report& report) { builder.add_report(report); };
    a.on_summary = [&](const render::AnalysisSummary& summary) -> Result<void> {
        summarised = true;
        if (summary.trend) {
            builder.set_trend(*summary.trend);
        }
        std::string formats;
        for (const auto& f : summary.formats) {
            formats += (formats.empty() ? "" : ", ") + f;
        }
        builder.add_method("captures", std::to_string(summary.captures.size()) + " in " +
                                           std::to_string(summary.files.size()) + " files (" +
                                           formats + ")");
        return {};
    };
    std::ostringstream unused;
    int code = run_analyze(a, stdin_stream, unused, err);
    if (!summarised) {
        return std::unexpected(Error{ErrorKind::Invalid, code, "the captures could not be read"});
    }
    return {};
}

std::string span_text(std::chrono::milliseconds d) {
    return d.count() % 1000 != 0 ? std::to_string(d.count()) + "ms"
                                 : duration_text(static_cast<double>(d.count()) / 1000);
}

// Diagnoses every interval for the duration (a stop signal ends the sampling early and the
// report is written with what was taken); each diagnosis is a point of the charts, the trend
// over them the culprits' growth.
void from_live(const ReportCommandOptions& o, render::EvidenceBuilder& builder, std::ostream& err) {
    const auto samples = static_cast<std::size_t>(o.duration / o.interval) + 1;
    if (samples > 1) {
        err << "portwatch: report: diagnosing this host every " << span_text(o.interval) << " for "
            << span_text(o.duration)
            << " (Ctrl-C writes the report with what was taken; --duration 0: one diagnosis)\n";
    }
    StopSignals stop;
    analyze::TrendBuilder trend;
    std::optional<analyze::Report> latest;
    std::set<std::string> warned;
    std::size_t taken = 0;
    core::TimePoint first{}, last{};
    auto next = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < samples; ++i) {
        if (i > 0) {
            next += o.interval;
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                next - std::chrono::steady_clock::now());
            if (stop.wait(std::max(wait, std::chrono::milliseconds(0))) != 0) {
                err << "portwatch: report: stopped after " << taken << " diagnoses\n";
                break;
            }
        }
        auto report = live::diagnose_scope(o.live, scope_label(o.live), o.thresholds);
        for (const auto& w : report.warnings) {
            if (warned.insert(w.message).second) {
                err << "portwatch: warning: " << render::terminal_safe(w.message) << '\n';
            }
        }
        builder.add_report(report);
        trend.add(report);
        first = taken == 0 ? report.taken_at : first;
        last = report.taken_at;
        ++taken;
        latest = std::move(report);
    }
    if (latest) {
        if (auto t = trend.finish(*latest)) {
            builder.set_trend(*t);
        }
    }
    builder.add_method(
        "live", taken <= 1 ? std::string("one diagnosis of this host when the report was made")
                           : fmt::format("{} diagnoses of this host, every {}, from {} to {}",
                                         taken, span_text(o.interval), render::history_time(first),
                                         render::history_time(last)));
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, ReportCommandArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "report",
        "One self-contained evidence file (HTML, or Markdown) for the application's vendor: "
        "verdict, pools over time, culprits, failures, thresholds crossed, host facts, remedy");
    auto* history =
        cmd->add_flag("--from-history", a.from_history,
                      "from what `portwatch monitor` recorded (--db, --since, --until)");
    cmd->add_option("--since", a.since,
                    "history from this time on: an age (30m, 1h, 7d) or an ISO time (UTC "
                    "without an offset)")
        ->needs(history);
    cmd->add_option("--until", a.until, "history up to this time (same forms as --since)")
        ->needs(history);
    cmd->add_option("--db", a.db,
                    "the history database (default: /var/lib/portwatch/history.db as root, "
                    "else $XDG_STATE_HOME/portwatch/history.db)")
        ->needs(history);
    auto* captures =
        cmd->add_option("--capture", a.captures,
                        "saved captures (netstat, ss, /proc/net, PowerShell, tcpvcon, netsh; "
                        "- for standard input), several over time give the charts")
            ->excludes(history);
    captures->type_name("FILE...");
    cmd->add_option("--range", a.range,
                    "captures: the dynamic port range LOW-HIGH (else netsh output among the "
                    "captures, or the OS default)")
        ->needs(captures);
    cmd->add_option("--duration", a.duration,
                    "live: diagnose this host every --interval for this long, the charts' "
                    "points (0: one diagnosis now)")
        ->capture_default_str()
        ->excludes(history)
        ->excludes(captures);
    cmd->add_option("--interval", a.interval, "live: between diagnoses (at least 100ms)")
        ->capture_default_str()
        ->excludes(history)
        ->excludes(captures);
    cmd->add_option("-o,--output", a.output,
                    "write the report to this file (default: standard output)");
    cmd->add_option("--format", a.format,
                    "html (one self-contained file) or md (Markdown for a ticket)")
        ->capture_default_str();
    add_scope_option(*cmd, a.live, LiveCommand::Snapshot);
    add_live_options(*cmd, a.live);
    add_report_options(*cmd, a.report);
    cmd->footer(R"(EXAMPLES:
  sudo portwatch report -o report.html           live: this host diagnosed every second
                                                 for 10 s, one file to send
  sudo portwatch report --duration 5m --interval 5s -o report.html
  portwatch report --from-history --since 24h -o report.html
                                                 the monitor's last day: use over time,
                                                 failures, crossings, culprits' growth
  portwatch report --capture a.txt --capture b.txt --format md > ticket.md
                                                 saved netstat/ss captures over time

The HTML file has no script and fetches nothing: CSS and the SVG charts are inline, it
prints on A4 and Letter. Text from the system (process names, command lines) is escaped.
Exit status: 0 when the report was written (whatever its verdict), 1 when the data could not
be read or the file not written, 2 for bad arguments.)");
    return cmd;
}

Result<ReportCommandOptions> finish_report_command_args(const ReportCommandArgs& a) {
    ReportCommandOptions o;
    if (a.format == "html") {
        o.format = render::EvidenceFormat::Html;
    } else if (a.format == "md" || a.format == "markdown") {
        o.format = render::EvidenceFormat::Markdown;
    } else {
        return make_error("--format: expected html or md, got '" + a.format + "'");
    }
    render::ReportOptions unused;
    if (auto ok = finish_report_args(a.report, o.thresholds, unused); !ok) {
        return std::unexpected(ok.error());
    }
    o.output = a.output;
    o.limits.pools = a.report.pools;
    if (a.from_history) {
        o.source = render::EvidenceSource::History;
        o.db = a.db;
        for (const auto& [name, text, into] : {std::tuple{"--since", &a.since, &o.since},
                                               std::tuple{"--until", &a.until, &o.until}}) {
            if (text->empty()) {
                continue;
            }
            auto t = parse_history_time(*text);
            if (!t) {
                return std::unexpected(with_context(t.error(), name));
            }
            *into = *t;
        }
    } else if (!a.captures.empty()) {
        o.source = render::EvidenceSource::Captures;
        o.captures = a.captures;
        if (!a.range.empty()) {
            auto range = capture::parse_dashed_port_range(a.range);
            if (!range) {
                return make_error("--range: " + range.error().message);
            }
            o.range.range = *range;
        }
    } else {
        o.source = render::EvidenceSource::Live;
        if (auto ok = finish_live_args(a.live, o.live); !ok) {
            return std::unexpected(ok.error());
        }
        auto duration = parse_duration(a.duration);
        if (!duration) {
            return std::unexpected(with_context(duration.error(), "--duration"));
        }
        auto interval = parse_duration(a.interval);
        if (!interval) {
            return std::unexpected(with_context(interval.error(), "--interval"));
        }
        if (*interval < std::chrono::milliseconds(100)) {
            return make_error("--interval must be at least 100ms");
        }
        if (*duration / *interval >= kMaxLiveSamples) {
            return make_error("--duration " + a.duration + " at --interval " + a.interval +
                              " is over " + std::to_string(kMaxLiveSamples) +
                              " diagnoses: take a longer interval, or record with `portwatch "
                              "monitor --db` and use --from-history");
        }
        o.duration = *duration;
        o.interval = *interval;
    }
    return o;
}

int run_report(const ReportCommandOptions& o, std::istream& stdin_stream, std::ostream& out,
               std::ostream& err) {
    auto fail = [&](std::string_view message) {
        err << "portwatch: report: " << render::terminal_safe(message) << '\n';
        return kExitFailure;
    };
    render::EvidenceBuilder builder(o.source, o.thresholds, o.limits);
    switch (o.source) {
        case render::EvidenceSource::Live:
            from_live(o, builder, err);
            break;
        case render::EvidenceSource::History:
            if (auto ok = from_history(o, builder); !ok) {
                return fail(ok.error().message);
            }
            break;
        case render::EvidenceSource::Captures:
            if (auto ok = from_captures(o, builder, stdin_stream, err); !ok) {
                return ok.error().code == kExitUsage ? kExitUsage : kExitFailure;
            }
            break;
    }
    render::Evidence evidence = builder.finish(o.clock->now());
    evidence.generator = "portwatch " + std::string(build_info().version);
    auto renderer = render::make_evidence_renderer(o.format);
    if (o.output.empty()) {
        renderer->render(out, evidence);
        return kExitOk;
    }
    std::ofstream file(o.output, std::ios::binary | std::ios::trunc);
    if (!file) {
        return fail("cannot write " + o.output + ": " + errno_text(errno));
    }
    renderer->render(file, evidence);
    file.close();
    if (!file) {
        return fail("writing " + o.output + " failed: " + errno_text(errno));
    }
    err << "portwatch: report written to " << render::terminal_safe(o.output) << '\n';
    return kExitOk;
}

}  // namespace portwatch::app
