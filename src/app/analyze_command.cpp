#include "app/analyze_command.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <span>
#include <sstream>
#include <system_error>

#include "analyze/trend.h"
#include "analyze/verdict.h"
#include "app/capture_input.h"
#include "app/diagnose_command.h"
#include "app/exit_code.h"
#include "app/report_spool.h"
#include "app/value_hints.h"
#include "core/socket_query.h"
#include "render/analysis_renderer.h"
#include "render/utf8.h"

namespace portwatch::app {

namespace {

using Clock = std::chrono::system_clock;

std::optional<Clock::time_point> file_mtime(const std::string& path) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(path, ec);
    if (ec) {
        return std::nullopt;
    }
    // file_clock and system_clock share their epoch offset through to_sys (C++20).
    return std::chrono::time_point_cast<Clock::duration>(std::chrono::file_clock::to_sys(t));
}

// "16M", "64K", "1G", "1048576": bytes.
std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::uint64_t shift = 0;
    if (!text.empty()) {
        switch (text.back()) {
            case 'k':
            case 'K':
                shift = 10;
                break;
            case 'm':
            case 'M':
                shift = 20;
                break;
            case 'g':
            case 'G':
                shift = 30;
                break;
            default:
                break;
        }
        if (shift != 0) {
            text.remove_suffix(1);
        }
    }
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        n > (UINT64_MAX >> shift)) {
        return std::nullopt;
    }
    return n << shift;
}

// One run of `analyze`: the captures come in one at a time (CaptureParser's sink), each is
// diagnosed and dropped, and only what the output needs is kept: a CaptureSummary per capture,
// the latest report, the trend's running sums, and (when every report is shown) the rendered
// reports on disk. So memory holds at most two captures' sockets, however the input is split.
class Run {
  public:
    Run(const AnalyzeOptions& options, std::ostream& out, std::ostream& err)
        : o_(options),
          out_(out),
          err_(err),
          renderer_(render::make_analysis_renderer(
              options.json ? render::ReportFormat::Json : render::ReportFormat::Text,
              options.report)) {
        summary_.each = options.each;
    }

    int run(std::istream& stdin_stream);

  private:
    Result<void> read_file(std::size_t i, std::istream* injected_stdin);
    Result<void> prescan(std::size_t i);
    Result<void> take(capture::CaptureSnapshot&& cs, std::size_t file, std::size_t index,
                      bool several, bool file_chains);
    Result<void> show(analyze::Report report, const render::CaptureSummary& summary);
    int finish();

    const AnalyzeOptions& o_;
    std::ostream& out_;
    std::ostream& err_;
    bool usage_error_ = false;
    std::size_t budget_ = 0;

    // The range: netsh blocks of every regular file (read ahead) and of the other inputs so far.
    std::vector<capture::NetshRange> netsh_;
    std::string netsh_file_;
    std::vector<bool> prescanned_chains_;  // per file: XP -v chains (regular files read ahead)
    std::vector<bool> prescanned_;
    std::size_t judged_before_late_netsh_ = 0;
    // The local ports of outbound connections (range_inference.h), one set for the run (the
    // files are one host's): of every regular file (read ahead), plus the captures of the
    // other inputs so far. 8 KiB however long the run.
    capture::OutboundPorts outbound_;

    // What the output shows, filled as the captures come (render/analysis_renderer.h).
    std::unique_ptr<render::AnalysisRenderer> renderer_;
    render::AnalysisSummary summary_;

    // The reports.
    std::size_t not_ok_ = 0;
    analyze::OverallVerdict verdict_;
    bool any_unknown_ = false;
    analyze::TrendBuilder trend_;
    std::optional<Clock::time_point> one_time_;  // while every capture so far has one time
    bool several_times_ = false;
    std::optional<ReportSpool> spool_;  // every report, while they may all be shown
};

// Reads a regular file once ahead of the real pass, keeping nothing of its snapshots but their
// outbound ports: its netsh ranges, -v chains and outbound ports decide the range of captures
// in the files before it (the netsh output is often a separate file named after the capture,
// or appended at its end), and its errors come before any output.
Result<void> Run::prescan(std::size_t i) {
    const std::string& path = o_.files[i];
    auto input = CaptureInput::open(path, o_.idle_timeout);
    if (!input) {
        return std::unexpected(input.error());
    }
    capture::CaptureOptions copt = o_.capture;
    copt.max_sockets = budget_;
    std::size_t count = 0;
    auto c = capture::read_capture((*input)->stream(), path, copt,
                                   [&](capture::CaptureSnapshot&& cs) -> Result<void> {
                                       ++count;
                                       outbound_.add(cs.snapshot);
                                       return {};
                                   });
    if (auto why = (*input)->stopped_early()) {
        return make_error(path + ": " + *why);
    }
    if (!c) {
        return std::unexpected(c.error());
    }
    if (count > 1 && !o_.at.empty()) {
        usage_error_ = true;
        return make_error("--at: " + path + " holds " + std::to_string(count) +
                          " captures; their times come from its '# taken at' lines");
    }
    budget_ -= std::min<std::size_t>(budget_, c->stats.socket_rows);
    for (const auto& n : c->netsh) {
        netsh_.push_back(n);
        netsh_file_ = path;
    }
    prescanned_chains_[i] = c->xp_component_chains;
    prescanned_[i] = true;
    return {};
}

Result<void> Run::read_file(std::size_t i, std::istream* injected_stdin) {
    const std::string& path = o_.files[i];
    std::unique_ptr<CaptureInput> input;
    if (!injected_stdin) {
        auto opened = CaptureInput::open(path, o_.idle_timeout);
        if (!opened) {
            return std::unexpected(opened.error());
        }
        input = std::move(*opened);
    }
    std::istream& in = injected_stdin ? *injected_stdin : input->stream();
    capture::CaptureOptions copt = o_.capture;
    copt.max_sockets = budget_;
    summary_.files.emplace_back();
    summary_.files.back().name = path;
    // The first snapshot waits for the second (or the end of the file) to know its label:
    // "file" alone, or "file #1".
    std::optional<capture::CaptureSnapshot> held;
    std::size_t count = 0;
    auto sink = [&](capture::CaptureSnapshot&& cs) -> Result<void> {
        std::size_t index = count++;
        if (index > 0 && !o_.at.empty()) {
            usage_error_ = true;
            return make_error("--at: " + path +
                              " holds several captures; their times come from its '# taken at' "
                              "lines");
        }
        summary_.files.back().captures = count;
        if (index == 0) {
            held = std::move(cs);
            return {};
        }
        if (held) {
            bool chains = held->after_component_chains;
            auto first = std::move(*held);
            held.reset();
            if (auto ok = take(std::move(first), i, 0, true, chains); !ok) {
                return ok;
            }
        }
        bool chains = cs.after_component_chains;
        return take(std::move(cs), i, index, true, chains);
    };
    auto c = capture::read_capture(in, path, copt, sink);
    if (input) {
        if (auto why = input->stopped_early()) {
            return make_error(path + ": " + *why);
        }
    }
    if (!c) {
        return std::unexpected(c.error());
    }
    budget_ -= std::min<std::size_t>(budget_, c->stats.socket_rows);
    if (!prescanned_[i]) {
        if (!c->netsh.empty() && count > 1) {
            judged_before_late_netsh_ += count - 1;
        }
        for (const auto& n : c->netsh) {
            netsh_.push_back(n);
            netsh_file_ = path;
        }
    }
    auto& file = summary_.files.back();
    file.encoding = capture::encoding_name(c->encoding);
    file.lines = c->stats.lines;
    file.socket_rows = c->stats.socket_rows;
    file.skipped_sockets = c->stats.skipped_sockets;
    file.unrecognised_lines = c->stats.unrecognised;
    file.legacy_code_page_lines = c->stats.transcoded;
    for (const auto& n : c->netsh) {
        file.netsh_ranges.push_back({n.protocol, n.range.low, n.range.high, n.line});
    }
    for (const auto& w : c->warnings) {
        file.warnings.push_back(w.message);
        err_ << "portwatch: warning: " << render::terminal_safe(path) << ": "
             << render::terminal_safe(w.message) << '\n';
    }
    if (held) {
        return take(std::move(*held), i, 0, false, c->xp_component_chains);
    }
    return {};
}

Result<void> Run::take(capture::CaptureSnapshot&& cs, std::size_t file, std::size_t index,
                       bool several, bool chains) {
    const std::string& path = o_.files[file];
    render::CaptureSummary s;
    s.file = static_cast<std::uint32_t>(file);
    s.index = static_cast<std::uint32_t>(index);
    s.first_line = cs.first_line;
    if (!o_.at.empty()) {
        cs.snapshot.taken_at = o_.at[file];
        s.origin = render::TimeOrigin::At;
    } else if (cs.taken_at) {
        cs.snapshot.taken_at = *cs.taken_at;
        s.origin = render::TimeOrigin::TakenAtLine;
    } else if (auto mtime = path == "-" ? std::nullopt : file_mtime(path)) {
        cs.snapshot.taken_at = *mtime;
        s.origin = render::TimeOrigin::FileTime;
    } else {
        cs.snapshot.taken_at = o_.clock->now();
        s.origin = render::TimeOrigin::ReadTime;
    }
    s.taken_at = cs.snapshot.taken_at;
    s.sockets = static_cast<std::uint32_t>(cs.snapshot.sockets.size());
    s.processes = static_cast<std::uint32_t>(cs.snapshot.processes.size());
    const std::string& format = cs.snapshot.source.sockets;
    auto& formats = summary_.formats;
    auto known = std::find(formats.begin(), formats.end(), format);
    s.format = static_cast<std::uint16_t>(known - formats.begin());
    if (known == formats.end()) {
        formats.push_back(format);
    }
    if (!prescanned_[file]) {
        outbound_.add(cs.snapshot);  // a pipe: the captures so far and this one
    }
    capture::apply_host_config(cs, prescanned_[file] ? bool(prescanned_chains_[file]) : chains,
                               o_.range, netsh_, netsh_file_, outbound_);
    summary_.captures.push_back(s);

    if (o_.sockets) {
        for (const auto& w : cs.snapshot.warnings) {
            err_ << "portwatch: warning: " << render::terminal_safe(path) << ": "
                 << render::terminal_safe(w.message) << '\n';
        }
        auto selected = core::select(cs.snapshot, core::SocketFilter{}, core::SortKey::None);
        render::make_snapshot_renderer(o_.socket_format)->render(out_, cs.snapshot, selected);
        return {};
    }
    cs.snapshot.hostname = "capture " + (several ? path + " #" + std::to_string(index + 1) : path);
    auto report = analyze::diagnose(cs.snapshot, nullptr, o_.thresholds);
    cs = capture::CaptureSnapshot{};  // the sockets are no longer needed
    if (o_.on_report) {
        o_.on_report(report);
    }
    return show(std::move(report), s);
}

// Folds one report into the verdict, the trend and the reports that may be shown.
Result<void> Run::show(analyze::Report report, const render::CaptureSummary& s) {
    const std::uint64_t order = summary_.captures.size() - 1;
    if (report.unknown) {
        any_unknown_ = true;
    } else {
        verdict_.severity = std::max(verdict_.severity, report.verdict);
    }
    not_ok_ += report.unknown || report.verdict != analyze::Severity::Ok;
    if (!one_time_) {
        one_time_ = s.taken_at;
    } else if (*one_time_ != s.taken_at) {
        several_times_ = true;
    }
    // The trend's sums start with the second capture (a single capture has no trend, and
    // may have 100,000 pools): the first report is still the latest one then.
    if (order == 1) {
        trend_.add(*summary_.latest);
    }
    if (order >= 1) {
        trend_.add(report);
    }
    // Every report is shown with --each, or when there is no trend (the captures so far all
    // carry one time): render it now, keep the text on disk.
    if (o_.each || !several_times_) {
        if (!spool_) {
            auto spool = ReportSpool::create();
            if (!spool) {
                return std::unexpected(spool.error());
            }
            spool_.emplace(std::move(*spool));
        }
        std::ostringstream text;
        renderer_->render_shown_report(text, report);
        if (auto ok = spool_->append(s.taken_at, order, text.str()); !ok) {
            return ok;
        }
    } else if (spool_) {
        spool_.reset();  // two times: a trend, and only the latest report is shown
    }
    auto& latest = summary_.latest;
    if (!latest || s.taken_at >= latest->taken_at) {
        latest = std::move(report);
    }
    return {};
}

int Run::run(std::istream& stdin_stream) {
    budget_ = o_.capture.max_sockets;
    prescanned_.assign(o_.files.size(), false);
    prescanned_chains_.assign(o_.files.size(), false);
    auto fail = [&](const Error& e) {
        err_ << "portwatch: " << render::terminal_safe(e.message) << '\n';
        return usage_error_ ? kExitUsage : kExitUnknown;
    };
    // Regular files are read ahead for their ranges and outbound ports when the diagnosis
    // needs them (with --range too: ports that do not fit it are reported).
    if (!o_.sockets) {
        for (std::size_t i = 0; i < o_.files.size(); ++i) {
            std::error_code ec;
            if (o_.files[i] != "-" && std::filesystem::is_regular_file(o_.files[i], ec)) {
                if (auto ok = prescan(i); !ok) {
                    return fail(ok.error());
                }
            }
        }
        budget_ = o_.capture.max_sockets;
    }
    // Standard input: the stream given (tests), or file descriptor 0 read with the idle
    // timeout when it is the process's own.
    std::istream* injected = &stdin_stream == &std::cin ? nullptr : &stdin_stream;
    for (std::size_t i = 0; i < o_.files.size(); ++i) {
        if (auto ok = read_file(i, o_.files[i] == "-" ? injected : nullptr); !ok) {
            return fail(ok.error());
        }
    }
    return finish();
}

int Run::finish() {
    if (judged_before_late_netsh_ > 0) {
        err_ << "portwatch: warning: " << judged_before_late_netsh_
             << " captures were judged before the netsh dynamicport output that follows them in "
                "the same stream; put it first, or give --range\n";
    }
    if (summary_.captures.empty()) {
        bool range_only = !netsh_.empty();
        err_ << "portwatch: no socket rows in the given files"
             << (range_only ? " (only a port range); add the netstat or ss capture\n"
                            : "; expected netstat -ano[b][q], ss -tanp, netstat -tanp, "
                              "/proc/net/tcp, Get-NetTCPConnection or tcpvcon output\n");
        return kExitUnknown;
    }
    if (o_.sockets) {
        out_.flush();
        return out_ ? kExitOk : kExitFailure;
    }

    auto& s = summary_;
    if (!o_.each && s.captures.size() > 1) {
        s.trend = trend_.finish(*s.latest);
    }
    s.all_shown = !s.trend && s.captures.size() > 1;
    if (s.all_shown) {
        s.verdict = verdict_;
        s.verdict.unknown = any_unknown_ && verdict_.severity == analyze::Severity::Ok;
        s.not_ok = not_ok_;
        s.shown_reports = [this](const std::function<void(std::string_view)>& visit) {
            return spool_ ? spool_->replay(visit) : Result<void>{};
        };
    } else {
        s.verdict = analyze::overall_verdict(std::span<const analyze::Report>(&*s.latest, 1));
    }
    int code = static_cast<int>(analyze::nagios_status(s.verdict));
    if (s.trend && s.trend->hours_left && *s.trend->hours_left < 1.0 && code != kExitUnknown) {
        code = kExitCritical;
    }
    if (o_.on_summary) {
        if (auto taken = o_.on_summary(s); !taken) {
            err_ << "portwatch: " << render::terminal_safe(taken.error().message) << '\n';
            return kExitUnknown;
        }
        return code;
    }
    if (auto rendered = renderer_->render(out_, s); !rendered) {
        err_ << "portwatch: " << rendered.error().message << '\n';
        return kExitUnknown;
    }
    out_.flush();
    return out_ ? code : kExitUnknown;
}

}  // namespace

CLI::App* add_analyze_command(CLI::App& app, AnalyzeArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "analyze",
        "The diagnose verdict on saved captures: netstat -anob, ss -tanp, netsh, PowerShell, ...");
    complete_files(cmd->add_option("FILE", a.files,
                                   "capture files (- for standard input); several files of one "
                                   "host over time give a trend and a forecast"))
        ->required();
    cmd->add_option("--range", a.range, "the dynamic port range LOW-HIGH (beats netsh and --os)");
    complete_words(cmd->add_option("--os", a.os,
                                   "the capture's OS when no netsh output says the range: xp or "
                                   "2003 (1025-5000), vista+ (49152-65535), linux (32768-60999)"),
                   {"xp", "2003", "vista+", "linux"});
    cmd->add_option("--at", a.at,
                    "when each FILE was captured (YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]); default: its "
                    "'# taken at' lines, else the file's modification time; comma-separated, "
                    "one per FILE");
    complete_words(
        cmd->add_option("--code-page", a.code_page,
                        "code page of lines that are not UTF-8: 850 (default), 437 or 1252"),
        {"850", "437", "1252"})
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
    cmd->add_option("--max-unrecognised", a.max_unrecognised,
                    "input read without one socket row before analyze gives up on a file "
                    "(bytes, or with K, M, G; /dev/urandom is not a capture)")
        ->capture_default_str();
    cmd->add_option("--idle-timeout", a.idle_timeout,
                    "seconds to wait for more input from a pipe, FIFO or device before giving "
                    "up (0: wait forever)")
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
    o.socket_format = a.json  ? render::Format::Json
                      : a.csv ? render::Format::Csv
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
            return make_error("--os must be xp, 2003, vista+ or linux, got '" + a.os + "'");
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
    auto unrecognised = parse_size(a.max_unrecognised);
    if (!unrecognised || *unrecognised == 0) {
        return make_error(
            "--max-unrecognised: expected a size of at least 1 byte (1048576, 64K, "
            "16M, 1G), got '" +
            a.max_unrecognised + "'");
    }
    o.capture.max_unrecognised_bytes = *unrecognised;
    {
        double seconds = -1;
        const auto& t = a.idle_timeout;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
        if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || !(seconds >= 0) ||
            seconds > 86400.0 * 365) {
            return make_error(
                "--idle-timeout: expected seconds (0 or more; 0 waits forever), "
                "got '" +
                t + "'");
        }
        o.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        if (seconds > 0 && o.idle_timeout.count() == 0) {
            o.idle_timeout = std::chrono::milliseconds(1);
        }
    }
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
            return make_error(
                "--at: expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] between 1678 and "
                "2261, got '" +
                text + "'");
        }
        o.at.push_back(*when);
    }
    return o;
}

int run_analyze(const AnalyzeOptions& options, std::istream& stdin_stream, std::ostream& out,
                std::ostream& err) {
    Run run(options, out, err);
    return run.run(stdin_stream);
}

}  // namespace portwatch::app
