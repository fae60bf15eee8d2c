#include "app/top_command.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <streambuf>

#include "app/exit_code.h"
#include "app/monitor_command.h"
#include "render/utf8.h"
#include "tui/run.h"

namespace portwatch::app {

namespace {

// The monitor's log while ncurses owns the terminal: a line on stderr would tear the screen,
// so the last lines are kept (bounded) and printed once the terminal is restored.
class TailBuffer final : public std::streambuf {
  public:
    std::string text() const { return text_; }

  protected:
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) {
            char ch = static_cast<char>(c);
            xsputn(&ch, 1);
        }
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        text_.append(s, static_cast<std::size_t>(n));
        if (text_.size() > kKeep) {
            auto cut = text_.find('\n', text_.size() - kKeep);
            text_.erase(0, cut == std::string::npos ? text_.size() - kKeep : cut + 1);
        }
        return n;
    }

  private:
    static constexpr std::size_t kKeep = 16 * 1024;
    std::string text_;
};

// top's "-d 0.5" (seconds, decimals allowed) or the monitor's durations ("500ms", "2s").
Result<std::chrono::milliseconds> parse_interval(const std::string& text) {
    auto refused = [&] {
        return make_error(
            "--interval: 0.1 to 3600 seconds (2, 0.5) or a duration (500ms, 2s, "
            "1m), got '" +
            text + "'");
    };
    std::chrono::milliseconds interval{0};
    double seconds = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
    if (ec == std::errc() && end == text.data() + text.size()) {
        if (!std::isfinite(seconds) || seconds < 0 || seconds > 3600) {
            return refused();
        }
        interval = std::chrono::milliseconds{std::llround(seconds * 1000)};
    } else if (auto d = parse_duration(text)) {
        interval = *d;
    } else {
        return refused();
    }
    if (interval < std::chrono::milliseconds(100) || interval > std::chrono::hours(1)) {
        return refused();
    }
    return interval;
}

}  // namespace

CLI::App* add_top_command(CLI::App& app, TopArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "top", "Live view of the port pools and the processes holding ports (like top/htop)");
    cmd->add_option("-d,--interval", a.interval,
                    "between samples: seconds (2, 0.5) or a duration (500ms, 1m); 0.1s to 1h")
        ->capture_default_str();
    cmd->add_option("--netns", a.netns,
                    "network namespace: a name from `ip netns`, a pid or a path");
    cmd->add_option("--source", a.source,
                    "event source: auto (eBPF where it loads, else poll), ebpf, poll")
        ->capture_default_str();
    cmd->add_option("--owners", a.owners, "how to find owning processes: auto, proc, bpf, none")
        ->capture_default_str();
    cmd->add_option("--sort", a.sort,
                    "order of the processes: ports, time-wait, failures, name, pid")
        ->capture_default_str();
    a.iterations_option =
        cmd->add_option("-n,--iterations", a.iterations, "frames to show, then exit (like top -n)");
    cmd->add_flag("--once", a.once, "one plain frame, then exit (-n 1 --batch)");
    cmd->add_flag("-b,--batch", a.batch, "plain text frames even on a terminal (like top -b)");
    cmd->footer(R"(KEYS (on a terminal):
  q quit   p or space pause   s or F6 sort   / filter   h or ? help
  Up/Down PgUp/PgDn Home/End scroll

When standard output is not a terminal, top prints plain frames (every pool and process,
80 columns or $COLUMNS), one per interval, like `top -b`.

EXAMPLES:
  portwatch top                             this host, every second
  sudo portwatch top --netns web1           the namespace `ip netns` calls web1
  portwatch top --sort failures -d 2        refused allocations first, every 2 seconds
  portwatch top --once > ports.txt          one frame as text
  portwatch top -n 5 | less                 five frames, one per second

Run as root to see every process and the eBPF source (exact TIME_WAIT makers, failed
allocations); without root the poll source shows your own processes.)");
    return cmd;
}

Result<TopOptions> finish_top_args(const TopArgs& a) {
    TopOptions o;
    auto interval = parse_interval(a.interval);
    if (!interval) {
        return std::unexpected(interval.error());
    }
    o.monitor.interval = *interval;
    o.view.interval = *interval;
    o.monitor.live.platform.netns = a.netns;
    if (a.source == "auto") {
        o.monitor.source = collect::EventSourceKind::Auto;
    } else if (a.source == "ebpf") {
        o.monitor.source = collect::EventSourceKind::Ebpf;
    } else if (a.source == "poll") {
        o.monitor.source = collect::EventSourceKind::Poll;
    } else {
        return make_error("--source must be auto, ebpf or poll");
    }
    if (a.owners == "auto" || a.owners == "proc" || a.owners == "bpf") {
        o.monitor.live.owners = true;
        o.monitor.live.platform.owner_method = a.owners == "proc"  ? collect::OwnerMethod::Proc
                                               : a.owners == "bpf" ? collect::OwnerMethod::Bpf
                                                                   : collect::OwnerMethod::Auto;
    } else if (a.owners == "none") {
        o.monitor.live.owners = false;
    } else {
        return make_error("--owners must be auto, proc, bpf or none");
    }
    auto sort = tui::parse_sort_key(a.sort);
    if (!sort) {
        return make_error("--sort must be ports, time-wait, failures, name or pid");
    }
    o.view.sort = *sort;
    if (a.iterations_option != nullptr && a.iterations_option->count() > 0) {
        if (a.iterations == 0) {
            return make_error("-n/--iterations: at least 1");
        }
        o.iterations = a.iterations;
    }
    if (a.once) {
        if (o.iterations && *o.iterations != 1) {
            return make_error("--once and -n " + std::to_string(*o.iterations) + " disagree");
        }
        o.iterations = 1;
        o.batch = true;
    }
    o.batch = o.batch || a.batch;
    return o;
}

int run_top(const TopOptions& options, std::ostream& out, std::ostream& err) {
    const bool terminal =
        !options.batch && ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDIN_FILENO) == 1;
    TopOptions o = options;
    o.monitor.safe_text = [](std::string_view text) { return render::terminal_safe(text); };
    o.monitor.label = o.monitor.live.platform.netns;
    // The sparklines cover the last 5 minutes (shared out over the TREND column's width).
    o.monitor.recent = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::chrono::milliseconds(std::chrono::minutes(5)) /
                                 std::max(o.monitor.interval, std::chrono::milliseconds(1))),
        60, 3000);
    TailBuffer tail;
    std::ostream held(&tail);
    std::ostream& log = terminal ? held : err;
    auto monitor = monitor::Monitor::create(o.monitor, core::system_clock(), nullptr, log);
    if (!monitor) {
        err << "portwatch: top: " << render::terminal_safe(monitor.error().message) << '\n';
        return kExitFailure;
    }
    monitor::Monitor& m = **monitor;
    tui::Feed feed{[&m] { return m.step(); }, [&m] { return m.state(); }, [&m] { m.interrupt(); }};
    tui::RunOptions run{o.view, o.iterations};
    if (!terminal) {
        if (const char* columns = std::getenv("COLUMNS")) {
            std::size_t n = 0;
            std::string_view c(columns);
            if (std::from_chars(c.data(), c.data() + c.size(), n).ec == std::errc() && n >= 20 &&
                n <= 1000) {
                run.view.cols = n;
            }
        }
    }
    auto ended = terminal ? tui::run_terminal(feed, run) : tui::run_plain(feed, run, out);
    err << tail.text();  // the terminal is restored by now
    if (!ended) {
        err << "portwatch: top: " << render::terminal_safe(ended.error().message) << '\n';
        return kExitFailure;
    }
    return ended->signal == 0 ? kExitOk : 128 + ended->signal;
}

}  // namespace portwatch::app
