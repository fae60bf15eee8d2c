// Text rendering of diagnose reports: verdict first, then evidence, within `width` columns.

#include <fmt/format.h>

#include <algorithm>

#include "analyze/verdict.h"
#include "core/plural.h"
#include "render/report_renderer.h"
#include "render/snapshot_renderer.h"
#include "render/utf8.h"

namespace portwatch::render {

namespace {

using analyze::Finding;
using analyze::Pool;
using analyze::Report;
using analyze::Severity;

// Word-wraps already terminal-safe text: the first line after `first`, the rest after `rest`.
void wrap(std::ostream& out, const std::string& text, const std::string& first,
          const std::string& rest, std::size_t width) {
    std::string line = first;
    std::size_t line_width = display_width(first);
    bool empty = true;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        std::size_t j = text.find(' ', i);
        if (j == std::string::npos)
            j = text.size();
        if (j == i)
            break;
        std::string word = text.substr(i, j - i);
        std::size_t w = display_width(word);
        // A word wider than a whole line (a long path) is cut where the line ends.
        std::size_t room = width > display_width(rest) + 8 ? width - display_width(rest) : 8;
        if (w > room) {
            std::size_t cut = std::min(word.size(), room - 1);
            while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80)
                --cut;
            j = i + (cut > 0 ? cut : word.size());
            word = text.substr(i, j - i);
            w = display_width(word);
        }
        if (!empty && line_width + 1 + w > width) {
            out << line << '\n';
            line = rest;
            line_width = display_width(rest);
            empty = true;
        }
        if (!empty) {
            line += ' ';
            ++line_width;
        }
        line += word;
        line_width += w;
        empty = false;
        i = j;
    }
    out << line << '\n';
}

// At most `n` bytes of terminal-safe text, never splitting a UTF-8 sequence, "..." when cut.
std::string shorten(const std::string& text, std::size_t n) {
    if (text.size() <= n)
        return text;
    std::size_t cut = n - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut) + "...";
}

std::string pct(double f) {
    return fmt::format("{:.0f}%", f * 100.0);
}

std::string who(std::int32_t pid, const std::string& name) {
    return pid == 0 ? std::string("(no owner found)")
                    : terminal_safe(core::name_with_pid(name, pid));
}

std::string pool_label(const Pool& p) {
    switch (p.key.kind) {
        case analyze::PoolKind::TcpConnect:
            return fmt::format("{} -> {}", p.key.local.to_string(), p.key.remote.to_string());
        case analyze::PoolKind::TcpLocal:
        case analyze::PoolKind::UdpLocal:
            return p.key.local.is_unspecified() ? std::string("any local address")
                                                : p.key.local.to_string();
    }
    return {};
}

void render_finding(std::ostream& out, const Finding& f, std::size_t n, std::size_t total,
                    bool title_said, bool breaks_said, std::size_t width) {
    out << fmt::format("Finding {} of {}: {}, {}{}\n", n, total, analyze::severity_name(f.severity),
                       analyze::mechanism_name(f.mechanism),
                       f.causes > 1
                           ? fmt::format(" (cause {} of {} of one pool)", f.cause, f.causes)
                           : std::string());
    if (!title_said) {  // the first finding's title is the summary already
        wrap(out, terminal_safe(f.title), "  ", "  ", width);
    }
    if (f.breaks && !breaks_said) {
        wrap(out, terminal_safe(f.breaks->text), "  ", "  ", width);
    }
    for (const auto& c : f.culprits) {
        if (c.pid == 0)
            continue;
        if (c.file_descriptors != 0) {
            wrap(
                out,
                fmt::format("{} has {} open, {} of them sockets", who(c.pid, c.name),
                            core::plural(c.file_descriptors, "file descriptor", "file descriptors"),
                            c.sockets),
                "  Culprit: ", "           ", width);
        } else {
            std::string holds =
                c.ports > 0 ? fmt::format("{} bound ({} of the range)",
                                          core::plural(c.ports, "port", "ports"), pct(c.share))
                            : fmt::format("{} ({})", core::plural(c.sockets, "socket", "sockets"),
                                          pct(c.share));
            wrap(out,
                 fmt::format("{} holds {}{}", who(c.pid, c.name), holds,
                             c.inferred ? ", TIME_WAIT share inferred" : ""),
                 "  Culprit: ", "           ", width);
        }
        if (!c.cmdline.empty()) {
            std::string cmd = terminal_safe(c.cmdline);
            cmd = shorten(cmd, width - 20);
            out << "           command: " << cmd << '\n';
        }
    }
    for (const auto& c : f.clients) {
        if (c.pid == 0)
            continue;
        wrap(out,
             fmt::format("{} holds {} here ({})", who(c.pid, c.name),
                         core::plural(c.sockets, "socket", "sockets"), pct(c.share)),
             "  Client:  ", "           ", width);
    }
    for (const auto& s : f.servers) {
        wrap(out, who(s.pid, s.name) + " (the other end, same host)", "  Server:  ", "           ",
             width);
    }
    if (!f.evidence.empty()) {
        out << "  Evidence:\n";
        for (const auto& e : f.evidence) {
            wrap(out, terminal_safe(e), "    - ", "      ", width);
        }
    }
    if (!f.remedy.empty()) {
        out << "  Remedy:\n";
        wrap(out, terminal_safe(f.remedy), "    ", "    ", width);
    }
}

void render_pools(std::ostream& out, const Report& r, std::size_t max) {
    std::size_t n = std::min(max, r.pools.size());
    if (n == 0)
        return;
    out << fmt::format("Pools (worst {} of {}):\n", n, r.pools.size());
    out << "  SEVERITY      USED/SIZE   FREE  KIND         POOL\n";
    for (std::size_t i = 0; i < n; ++i) {
        const Pool& p = r.pools[i];
        std::string used = fmt::format("{}/{}", p.size - p.free, p.size);
        std::string label = pool_label(p);
        label = shorten(label, 30);
        out << fmt::format(
            "  {:<10} {:>13} {:>6}  {:<12} {}{}\n", analyze::severity_name(p.severity), used,
            p.free, analyze::pool_kind_name(p.key.kind), label, p.severity_capped ? " *" : "");
    }
    if (std::any_of(r.pools.begin(), r.pools.begin() + static_cast<std::ptrdiff_t>(n),
                    [](const Pool& p) { return p.severity_capped; })) {
        wrap(out,
             "* full of plain connect() sockets: only bind() to port 0 would fail there; "
             "connect() pools are per destination.",
             "  ", "    ", 80);
    }
}

// A live Windows host in one paragraph: version, the Tcpip events, non-paged pool, handles.
std::string windows_host_line(const core::WindowsFacts& w) {
    std::string events;
    if (!w.tcpip_events) {
        events = "Tcpip events 4227/4231 not read";
    } else {
        std::uint32_t reused = 0, exhausted = 0;
        for (const auto& e : *w.tcpip_events) {
            reused += e.id == 4227 ? 1u : 0u;
            exhausted += e.id == 4231 ? 1u : 0u;
        }
        events = fmt::format("System log, last {} h: {} x Tcpip 4231, {} x 4227", w.event_hours,
                             exhausted, reused);
    }
    std::string memory = "non-paged pool not read";
    if (w.nonpaged_pool_bytes && w.physical_memory_bytes) {
        memory = fmt::format("non-paged pool {} MiB of {} MiB physical memory",
                             *w.nonpaged_pool_bytes / (1024 * 1024),
                             *w.physical_memory_bytes / (1024 * 1024));
    }
    std::string handles;
    for (const auto& h : w.top_handles) {
        handles += fmt::format("{}{} (pid {}) {}", handles.empty() ? "; most handles: " : ", ",
                               terminal_safe(h.name), h.pid, h.handles);
    }
    return fmt::format("Windows {}; {}; {}{}.", w.version.empty() ? "?" : terminal_safe(w.version),
                       events, memory, handles);
}

void render_limits(std::ostream& out, const Report& r) {
    if (r.limits.empty())
        return;
    out << "Neighbouring limits:\n";
    for (const auto& l : r.limits) {
        std::string name;
        if (l.kind == analyze::LimitKind::ProcessFds) {
            // Open file descriptors against RLIMIT_NOFILE. The pid always shows; a long process
            // name is cut instead.
            std::string pid = fmt::format(" (pid {})", l.pid);
            name = "descriptors of " +
                   shorten(terminal_safe(l.name), 40 - std::min<std::size_t>(34, 15 + pid.size())) +
                   pid;
        } else {
            name = shorten(terminal_safe(l.name), 40);
        }
        out << fmt::format("  {:<40} {:>9}/{:<11} {:>4}  {}\n", name, l.used, l.limit,
                           pct(l.utilisation), analyze::severity_name(l.severity));
    }
}

void render_one(std::ostream& out, const Report& r, const ReportOptions& o) {
    // Live reports name their namespace; a capture has none (netns 0) and says only its host.
    std::string where;
    if (!r.netns_name.empty()) {
        where = terminal_safe(r.netns_name);
        if (r.netns != 0) {
            where += fmt::format(" (netns {})", r.netns);
        }
        where += " on ";
    } else if (r.netns != 0) {
        where = fmt::format("netns {} on ", r.netns);
    }
    wrap(out,
         fmt::format("{}  {}{}, {}", r.unknown ? "UNKNOWN" : analyze::severity_name(r.verdict),
                     where, terminal_safe(r.hostname.empty() ? "this host" : r.hostname),
                     iso_time(r.taken_at)),
         "", "  ", o.width);
    wrap(out, terminal_safe(r.summary), "", "", o.width);
    std::vector<std::string_view> breaks_said;
    if (r.breaks)
        breaks_said.push_back(r.breaks->text);
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
        out << '\n';
        const auto& f = r.findings[i];
        bool said = r.summary.find(f.title) != std::string::npos;
        bool breaks = f.breaks && std::find(breaks_said.begin(), breaks_said.end(),
                                            std::string_view(f.breaks->text)) != breaks_said.end();
        if (f.breaks && !breaks)
            breaks_said.push_back(f.breaks->text);
        render_finding(out, f, i + 1, r.findings.size(), said, breaks, o.width);
    }
    if (r.unknown && r.checked.sockets == 0) {  // nothing was read: nothing more to show
        for (const auto& w : r.warnings) {
            wrap(out, terminal_safe(w.message), "Warning: ", "  ", o.width);
        }
        return;
    }
    out << '\n';
    render_pools(out, r, o.max_pools);
    render_limits(out, r);
    if (r.host && r.host->windows) {
        wrap(out, windows_host_line(*r.host->windows), "Host: ", "  ", o.width);
    } else if (r.host) {
        const auto& h = *r.host;
        auto n = [](const std::optional<std::uint64_t>& v) {
            return v ? std::to_string(*v) : std::string("?");
        };
        wrap(out,
             fmt::format("kernel {}; TIME_WAIT in this namespace {} (sockstat); since it started: "
                         "TWRecycled {} (TIME_WAITs reused by connect), TCPTimeWaitOverflow {}, "
                         "TCPAbortOnMemory {}.",
                         terminal_safe(h.kernel_release.empty() ? "?" : h.kernel_release),
                         n(h.tcp_tw), n(h.tw_recycled), n(h.tw_overflow), n(h.abort_on_memory)),
             "Host: ", "  ", o.width);
    }
    const auto& c = r.checked;
    std::string what = fmt::format(
        "{} ({} TCP, {} UDP) of {}; {}, {}, {}; ", core::plural(c.sockets, "socket", "sockets"),
        c.tcp, c.udp, core::plural(c.processes, "process", "processes"),
        core::plural(c.connect_pools, "connect() pool", "connect() pools"),
        core::plural(c.local_pools, "local TCP pool", "local TCP pools"),
        core::plural(c.udp_pools, "UDP pool", "UDP pools"));
    if (r.platform == core::Platform::Windows) {
        // Windows words only: no Linux sysctl means anything on a Windows capture.
        what += fmt::format(
            "dynamic port range {}-{} ({} ports, {}; {} excluded); TIME_WAIT lasts "
            "{} s{}; ",
            r.range.low, r.range.high, r.range_size, terminal_safe(r.range_origin), r.reserved,
            r.time_wait_seconds,
            r.windows == core::WindowsGeneration::UpTo2003    ? " (2003 and earlier)"
            : r.windows == core::WindowsGeneration::VistaPlus ? " (Vista/2008 and later)"
                                                              : " (assumed: Vista/2008 and later)");
    } else {
        what += fmt::format(
            "range {}-{} ({} usable, {}; {} reserved, {} bind-owned); "
            "tcp_tw_reuse={}{}; ",
            r.range.low, r.range.high, r.range_size, terminal_safe(r.range_origin), r.reserved,
            r.bind_owned, r.tcp_tw_reuse, r.tw_reuse_assumed ? " (assumed)" : "");
    }
    what += fmt::format(
        "{} TIME_WAIT attributed by remote endpoint (inferred), {} without owner; "
        "sockets from {}, owners from {}.",
        c.time_wait_inferred, c.time_wait_unowned, terminal_safe(r.source.sockets),
        terminal_safe(r.source.owners.empty() ? "none" : r.source.owners));
    wrap(out, what, "Checked: ", "  ", o.width);
    for (const auto& w : r.warnings) {
        wrap(out, terminal_safe(w.message), "Warning: ", "  ", o.width);
    }
}

}  // namespace

void write_wrapped(std::ostream& out, std::string_view text, std::size_t width) {
    wrap(out, terminal_safe(text), "", "", width);
}

void render_reports_text_heading(std::ostream& out, const analyze::OverallVerdict& v,
                                 std::size_t reports, std::size_t not_ok) {
    out << fmt::format("{}  {} network namespaces checked, {} not OK\n",
                       v.unknown ? "UNKNOWN" : analyze::severity_name(v.severity), reports, not_ok);
}

void render_report_text_section(std::ostream& out, const Report& r, const ReportOptions& o) {
    out << '\n' << std::string(std::min<std::size_t>(o.width, 80), '=') << '\n';
    render_one(out, r, o);
}

void render_reports_text(std::ostream& out, std::span<const Report> reports,
                         const ReportOptions& o) {
    if (reports.size() > 1) {
        auto v = analyze::overall_verdict(reports);
        std::size_t bad = std::count_if(reports.begin(), reports.end(), [](const Report& r) {
            return r.unknown || r.verdict != Severity::Ok;
        });
        render_reports_text_heading(out, v, reports.size(), bad);
        for (const auto& r : reports) {
            render_report_text_section(out, r, o);
        }
        return;
    }
    for (const auto& r : reports) {
        render_one(out, r, o);
    }
}

}  // namespace portwatch::render
