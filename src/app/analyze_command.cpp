#include "app/analyze_command.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "analyze/trend.h"
#include "render/trend_text.h"
#include "app/diagnose_command.h"
#include "app/exit_code.h"
#include "core/socket_query.h"
#include "render/json_writer.h"
#include "render/utf8.h"

namespace portwatch::app {

namespace {

using Clock = std::chrono::system_clock;

struct Loaded {
    capture::Capture capture;
    std::vector<std::string> time_origin;  // per snapshot
    std::vector<std::size_t> sockets;      // per snapshot (kept when the sockets are freed)
};

std::optional<Clock::time_point> file_mtime(const std::string& path) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(path, ec);
    if (ec) {
        return std::nullopt;
    }
    // file_clock and system_clock share their epoch offset through to_sys (C++20).
    return std::chrono::time_point_cast<Clock::duration>(std::chrono::file_clock::to_sys(t));
}

// Stamps each snapshot with its time and says where the time came from.
void assign_times(Loaded& l, const std::string& path, std::optional<Clock::time_point> at) {
    auto mtime = path == "-" ? std::nullopt : file_mtime(path);
    auto now = Clock::now();
    for (auto& cs : l.capture.snapshots) {
        std::string origin;
        if (at) {
            cs.snapshot.taken_at = *at;
            origin = "--at";
        } else if (cs.taken_at) {
            cs.snapshot.taken_at = *cs.taken_at;
            origin = "'# taken at' line";
        } else if (mtime) {
            cs.snapshot.taken_at = *mtime;
            origin = "file modification time";
        } else {
            cs.snapshot.taken_at = now;
            origin = "time of reading (standard input has no time)";
        }
        l.time_origin.push_back(origin);
        l.sockets.push_back(cs.snapshot.sockets.size());
    }
}

void write_capture_json(render::JsonWriter& j, const Loaded& l) {
    const auto& c = l.capture;
    j.begin_object();
    j.key("file").value(c.name);
    j.key("encoding").value(capture::encoding_name(c.encoding));
    j.key("lines").value(c.stats.lines);
    j.key("socket_rows").value(c.stats.socket_rows);
    j.key("skipped_sockets").value(c.stats.skipped_sockets);
    j.key("unrecognised_lines").value(c.stats.unrecognised);
    j.key("legacy_code_page_lines").value(c.stats.transcoded);
    j.key("netsh_ranges").begin_array();
    for (const auto& n : c.netsh) {
        j.begin_object();
        j.key("protocol").value(core::protocol_name(n.protocol));
        j.key("low").value(n.range.low);
        j.key("high").value(n.range.high);
        j.key("line").value(n.line);
        j.end_object();
    }
    j.end_array();
    j.key("snapshots").begin_array();
    for (std::size_t i = 0; i < c.snapshots.size(); ++i) {
        const auto& s = c.snapshots[i];
        j.begin_object();
        j.key("first_line").value(s.first_line);
        j.key("format").value(s.snapshot.source.sockets);
        j.key("sockets").value(static_cast<std::uint64_t>(l.sockets.at(i)));
        j.key("processes").value(static_cast<std::uint64_t>(s.snapshot.processes.size()));
        j.key("taken_at").value(render::iso_time(s.snapshot.taken_at));
        j.key("time_origin").value(l.time_origin.at(i));
        j.end_object();
    }
    j.end_array();
    j.key("warnings").begin_array();
    for (const auto& w : c.warnings) {
        j.value(w.message);
    }
    j.end_array();
    j.end_object();
}

}  // namespace

CLI::App* add_analyze_command(CLI::App& app, AnalyzeArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "analyze",
        "The diagnose verdict on saved captures: netstat -anob, ss -tanp, netsh, PowerShell, ...");
    cmd->add_option("FILE", a.files,
                    "capture files (- for standard input); several files of one host over time "
                    "give a trend and a forecast")
        ->required();
    cmd->add_option("--range", a.range, "the dynamic port range LOW-HIGH (beats netsh and --os)");
    cmd->add_option("--os", a.os,
                    "the capture's OS when no netsh output says the range: xp or 2003 "
                    "(1025-5000), vista+ (49152-65535), linux (32768-60999)");
    cmd->add_option("--at", a.at,
                    "when each FILE was captured (YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]); default: its "
                    "'# taken at' lines, else the file's modification time; comma-separated, "
                    "one per FILE");
    cmd->add_option("--code-page", a.code_page,
                    "code page of lines that are not UTF-8: 850 (default), 437 or 1252")
        ->capture_default_str();
    cmd->add_flag("--json", a.json, "JSON document (schema: docs/analyze.md)");
    cmd->add_flag("--sockets", a.sockets,
                  "print the sockets read from the captures instead of the diagnosis");
    cmd->add_flag("--csv", a.csv, "with --sockets: CSV");
    cmd->add_flag("--each", a.each, "one report per capture instead of the latest plus a trend");
    add_report_options(*cmd, a.report);
    cmd->add_option("--max-sockets", a.max_sockets,
                    "sockets read from all files together before analyze stops (memory bound)")
        ->capture_default_str();
    cmd->footer(R"(FORMATS (recognised line by line; one file may mix them):
  Windows netstat -an/-ano/-anob/-anoq/-anobq/-anbv (any language, UTF-16/UTF-8/OEM code page),
  Linux netstat -tanp/-tunap/-aeep, ss -tanp/-tuanp/-tulpen, /proc/net/tcp|tcp6|udp|udp6,
  Get-NetTCPConnection/Get-NetUDPEndpoint (Export-Csv or table), tcpvcon -a -c -n,
  netsh int ipv4 show dynamicport tcp (the range).

EXIT STATUS (Nagios plugin convention):
  0 OK, 1 WARNING, 2 CRITICAL or EXHAUSTED (or a forecast under one hour),
  3 UNKNOWN (a file could not be read or holds no capture)

EXAMPLES:
  portwatch analyze netstat.txt                     netstat -anobq > netstat.txt on the server
  portwatch analyze netstat.txt netsh.txt           the range from netsh int ipv4 show dynamicport tcp
  portwatch analyze --os 2003 old-server.txt
  portwatch analyze --at 2026-11-25T08:00Z,2026-11-25T09:00Z a.txt b.txt
  ssh host ss -tanp | portwatch analyze -
  portwatch analyze --sockets --csv netstat.txt    the parsed sockets)");
    return cmd;
}

Result<AnalyzeOptions> finish_analyze_args(const AnalyzeArgs& a) {
    AnalyzeOptions o;
    if (auto ok = finish_report_args(a.report, o.thresholds, o.report); !ok) {
        return std::unexpected(ok.error());
    }
    if (a.max_sockets == 0) {
        return make_error("--max-sockets must be at least 1");
    }
    o.files = a.files;
    if (std::count(o.files.begin(), o.files.end(), "-") > 1) {
        return make_error("standard input (-) can be read once");
    }
    o.json = a.json;
    o.each = a.each;
    o.sockets = a.sockets;
    if (a.csv && !a.sockets) {
        return make_error("--csv goes with --sockets (the diagnosis has text and --json)");
    }
    o.socket_format = a.json ? render::Format::Json : a.csv ? render::Format::Csv
                                                             : render::Format::Table;
    if (a.json && a.csv) {
        return make_error("--json and --csv exclude each other");
    }
    if (!a.range.empty()) {
        auto range = capture::parse_dashed_port_range(a.range);
        if (!range) {
            return make_error("--range: " + range.error().message);
        }
        o.range.range = *range;
    }
    if (!a.os.empty()) {
        o.range.os = capture::parse_os_preset(a.os);
        if (!o.range.os) {
            return make_error("--os must be xp, 2003, vista+ or linux, got '" +
                              render::terminal_safe(a.os) + "'");
        }
    }
    if (a.code_page == "850") {
        o.capture.code_page = capture::LegacyCodePage::Cp850;
    } else if (a.code_page == "437") {
        o.capture.code_page = capture::LegacyCodePage::Cp437;
    } else if (a.code_page == "1252") {
        o.capture.code_page = capture::LegacyCodePage::Cp1252;
    } else {
        return make_error("--code-page must be 850, 437 or 1252");
    }
    o.capture.max_sockets = a.max_sockets;
    std::vector<std::string> times;
    for (std::size_t from = 0; !a.at.empty();) {
        auto comma = a.at.find(',', from);
        times.push_back(a.at.substr(from, comma == std::string::npos ? comma : comma - from));
        if (comma == std::string::npos) {
            break;
        }
        from = comma + 1;
    }
    if (!times.empty() && times.size() != a.files.size()) {
        return make_error("--at needs one time per FILE (" + std::to_string(a.files.size()) +
                          " files, " + std::to_string(times.size()) + " times)");
    }
    for (const auto& text : times) {
        auto when = capture::parse_timestamp(text);
        if (!when) {
            return make_error("--at: expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], got '" +
                              render::terminal_safe(text) + "'");
        }
        o.at.push_back(*when);
    }
    return o;
}

int run_analyze(const AnalyzeOptions& options, std::istream& stdin_stream, std::ostream& out,
                std::ostream& err) {
    std::vector<Loaded> loaded;
    std::vector<capture::NetshRange> netsh;
    std::string netsh_file;
    std::size_t budget = options.capture.max_sockets;
    for (std::size_t i = 0; i < options.files.size(); ++i) {
        const std::string& path = options.files[i];
        capture::CaptureOptions copt = options.capture;
        copt.max_sockets = budget;
        Result<capture::Capture> c = make_error("");
        if (path == "-") {
            c = capture::read_capture(stdin_stream, "-", copt);
        } else {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
                err << "portwatch: cannot open " << render::terminal_safe(path) << ": "
                    << std::strerror(errno) << '\n';
                return kExitUnknown;
            }
            c = capture::read_capture(in, path, copt);
        }
        if (!c) {
            err << "portwatch: " << render::terminal_safe(c.error().message) << '\n';
            return kExitUnknown;
        }
        budget -= std::min<std::size_t>(budget, c->stats.socket_rows);
        if (!options.at.empty() && c->snapshots.size() > 1) {
            err << "portwatch: --at: " << render::terminal_safe(path) << " holds "
                << c->snapshots.size()
                << " captures; their times come from its '# taken at' lines\n";
            return kExitUsage;
        }
        for (const auto& n : c->netsh) {
            netsh.push_back(n);
            netsh_file = path;
        }
        Loaded l{std::move(*c), {}, {}};
        assign_times(l, path, options.at.empty() ? std::nullopt
                                                 : std::optional<Clock::time_point>(options.at[i]));
        loaded.push_back(std::move(l));
    }
    std::size_t snapshots = 0;
    capture::OutboundPorts outbound;  // the files are one host's: one range for them all
    for (const auto& l : loaded) {
        outbound.add(l.capture);
    }
    for (auto& l : loaded) {
        capture::apply_host_config(l.capture, options.range, netsh, netsh_file, outbound);
        snapshots += l.capture.snapshots.size();
        for (const auto& w : l.capture.warnings) {
            err << "portwatch: warning: " << render::terminal_safe(l.capture.name) << ": "
                << render::terminal_safe(w.message) << '\n';
        }
    }
    if (snapshots == 0) {
        bool range_only = !netsh.empty();
        err << "portwatch: no socket rows in the given files"
            << (range_only ? " (only a port range); add the netstat or ss capture\n"
                           : "; expected netstat -ano[b][q], ss -tanp, netstat -tanp, /proc/net/tcp, "
                             "Get-NetTCPConnection or tcpvcon output\n");
        return kExitUnknown;
    }

    if (options.sockets) {
        for (const auto& l : loaded) {
            for (const auto& cs : l.capture.snapshots) {
                for (const auto& w : cs.snapshot.warnings) {
                    err << "portwatch: warning: " << render::terminal_safe(l.capture.name) << ": "
                        << render::terminal_safe(w.message) << '\n';
                }
                auto selected = core::select(cs.snapshot, core::SocketFilter{}, core::SortKey::None);
                render::make_snapshot_renderer(options.socket_format)->render(out, cs.snapshot, selected);
            }
        }
        out.flush();
        return out ? kExitOk : kExitFailure;
    }

    // Diagnose every capture; keep the order of time.
    std::vector<analyze::Report> reports;
    std::vector<analyze::TimedReport> series;
    reports.reserve(snapshots);
    for (auto& l : loaded) {
        for (std::size_t k = 0; k < l.capture.snapshots.size(); ++k) {
            auto& snap = l.capture.snapshots[k].snapshot;
            std::string label = l.capture.name;
            if (l.capture.snapshots.size() > 1) {
                label += " #" + std::to_string(k + 1);
            }
            snap.hostname = "capture " + label;
            reports.push_back(analyze::diagnose(snap, nullptr, options.thresholds));
            series.push_back({nullptr, label, l.time_origin[k]});
        }
        // The sockets are no longer needed: free them before the next file's report.
        for (auto& cs : l.capture.snapshots) {
            std::vector<core::Socket>().swap(cs.snapshot.sockets);
        }
    }
    for (std::size_t i = 0; i < reports.size(); ++i) {
        series[i].report = &reports[i];
    }
    std::stable_sort(series.begin(), series.end(), [](const analyze::TimedReport& a, const analyze::TimedReport& b) {
        return a.report->taken_at < b.report->taken_at;
    });
    std::optional<analyze::Trend> trend;
    std::vector<analyze::Report> shown;
    if (!options.each) {
        trend = analyze::compute_trend(series);
    }
    if (trend) {
        shown.push_back(*series.back().report);  // the latest; the others are in the trend
    } else {
        for (const auto& s : series) {
            shown.push_back(*s.report);
        }
    }
    int code = exit_code_for(shown);
    if (trend && trend->hours_left && *trend->hours_left < 1.0 && code != kExitUnknown) {
        code = kExitCritical;
    }
    if (options.json) {
        {
            render::JsonWriter j(out);
            j.begin_object();
            j.key("schema").value("portwatch.analyze/1");
            j.key("captures").begin_array();
            for (const auto& l : loaded) {
                j.newline();
                write_capture_json(j, l);
            }
            j.end_array();
            j.key("trend");
            if (trend) {
                render::write_trend_json(j, *trend);
            } else {
                j.null();
            }
            j.key("diagnose");
            j.flush();
        }
        render::render_reports_json(out, shown, options.report);
        out << "}\n";
    } else {
        render::render_reports_text(out, shown, options.report);
        if (trend) {
            out << '\n';
            render::render_trend_text(out, *trend, series);
        } else if (series.size() > 1 && !options.each &&
                   series.front().report->taken_at == series.back().report->taken_at) {
            out << "\nNo trend: the " << series.size()
                << " captures carry the same time (add '# taken at' lines or --at).\n";
        }
    }
    out.flush();
    return out ? code : kExitUnknown;
}

}  // namespace portwatch::app
