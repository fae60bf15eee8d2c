#include "tui/layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <span>
#include <string>

#include "render/utf8.h"
#include "tui/cells.h"

namespace portwatch::tui {

namespace {

using monitor::MonitorState;
using monitor::PoolView;
using monitor::ProcessView;

// A column of a table: its width lies in [min, max]. When the terminal is too narrow the
// column with the largest `drop` goes first (0: never); `from` hides it below that many
// terminal columns; spare width goes to the columns of the lowest `grow` rank first, shared
// among them one column at a time (0: never grows).
struct Column {
    std::string_view title;
    std::size_t min, max;
    bool right;
    int drop;
    int grow;
    std::size_t from = 0;
};

// The width of each column for a terminal `total` wide; 0 for a column not shown.
std::vector<std::size_t> widths(std::span<const Column> columns, std::size_t total) {
    std::vector<std::size_t> w(columns.size(), 0);
    for (std::size_t i = 0; i < columns.size(); ++i) {
        w[i] = total >= columns[i].from ? columns[i].min : 0;
    }
    auto used = [&] {
        std::size_t sum = 0, shown = 0;
        for (auto x : w) {
            sum += x;
            shown += x > 0 ? 1 : 0;
        }
        return sum + (shown > 0 ? shown - 1 : 0);
    };
    while (used() > total) {
        std::size_t victim = columns.size();
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (w[i] > 0 && columns[i].drop > 0 &&
                (victim == columns.size() || columns[i].drop > columns[victim].drop)) {
                victim = i;
            }
        }
        if (victim == columns.size()) {
            break;  // only the essential columns are left; the line is cut at the edge
        }
        w[victim] = 0;
    }
    std::size_t spare = total > used() ? total - used() : 0;
    for (int rank = 1; rank <= 3 && spare > 0; ++rank) {
        bool grew = true;
        while (spare > 0 && grew) {
            grew = false;
            for (std::size_t i = 0; i < columns.size() && spare > 0; ++i) {
                if (w[i] > 0 && columns[i].grow == rank && w[i] < columns[i].max) {
                    ++w[i];
                    --spare;
                    grew = true;
                }
            }
        }
    }
    return w;
}

// One table row: `cell(i, width)` gives column i's text (terminal-safe), fitted here.
template <typename Cell>
std::string table_row(std::span<const Column> columns, const std::vector<std::size_t>& w, bool utf8,
                      Cell cell) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (w[i] == 0) {
            continue;
        }
        if (!line.empty()) {
            line += ' ';
        }
        std::string text = cell(i, w[i]);
        line += columns[i].right ? fit_right(text, w[i], utf8) : fit_left(text, w[i], utf8);
    }
    return line;
}

std::string heading(std::span<const Column> columns, const std::vector<std::size_t>& w, bool utf8) {
    return table_row(columns, w, utf8,
                     [&](std::size_t i, std::size_t) { return std::string(columns[i].title); });
}

// Pools: POOL SEV USE USED/SIZE RATE LEFT TREND
constexpr Column kPoolColumns[] = {
    {"POOL", 12, 72, false, 0, 1},     {"SEV", 4, 4, false, 6, 0}, {"USE", 16, 50, false, 0, 2},
    {"USED/SIZE", 11, 11, true, 2, 0}, {"RATE", 7, 7, true, 4, 0}, {"LEFT", 7, 7, true, 3, 0},
    {"TREND", 8, 60, false, 5, 3},
};

// Processes: PID NAME PORTS ESTAB TW EXACT CW FAIL/s FAILS LEFT DESTINATION TREND
constexpr Column kProcessColumns[] = {
    {"PID", 7, 7, true, 0, 0},
    {"NAME", 8, 32, false, 0, 1},
    {"PORTS", 6, 6, true, 0, 0},
    {"ESTAB", 6, 6, true, 8, 0, 100},
    {"TW", 6, 6, true, 4, 0},
    {"EXACT", 6, 6, true, 6, 0},
    {"CW", 5, 5, true, 9, 0, 100},
    {"FAIL/s", 7, 7, true, 3, 0},
    {"FAILS", 8, 8, true, 10, 0, 120},
    {"LEFT", 7, 7, true, 11, 0, 100},
    {"TOP DESTINATION", 12, 48, false, 5, 1},
    {"TREND", 8, 60, false, 7, 3},
};

std::string_view severity_word(analyze::Severity s) {
    switch (s) {
        case analyze::Severity::Ok:
            return "ok";
        case analyze::Severity::Warning:
            return "WARN";
        case analyze::Severity::Critical:
            return "CRIT";
        case analyze::Severity::Exhausted:
            return "FULL";
    }
    return "?";
}

Style severity_style(analyze::Severity s) {
    switch (s) {
        case analyze::Severity::Ok:
            return Style::Ok;
        case analyze::Severity::Warning:
            return Style::Warning;
        default:
            return Style::Critical;
    }
}

// The pool as the report names it ("tcp-connect 10.0.0.1 -> 10.0.0.2:443"). When that is too
// wide, a connect() pool shows its destination ("-> 10.0.0.2:443": the local address is nearly
// always the host's), and anything still too wide keeps its end, which tells pools apart.
std::string pool_name(const PoolView& p, std::size_t width, bool utf8) {
    std::string name = render::terminal_safe(p.pool);
    if (render::display_width(name) <= width) {
        return name;
    }
    if (auto arrow = name.rfind(" -> "); arrow != std::string::npos) {
        name.erase(0, arrow + 1);
    }
    return truncate_front(name, width, utf8);
}

std::string pool_row(const PoolView& p, const std::vector<std::size_t>& w, bool utf8) {
    return table_row(kPoolColumns, w, utf8, [&](std::size_t i, std::size_t width) -> std::string {
        switch (i) {
            case 0:
                return pool_name(p, width, utf8);
            case 1:
                return std::string(severity_word(p.severity));
            case 2:
                return gauge(p.utilisation, width);
            case 3:
                return fmt::format("{}/{}", p.used, p.size);
            case 4:
                return rate_per_minute(p.used_per_minute);
            case 5:
                return time_left(p.seconds_left, utf8);
            default:
                return sparkline(p.recent_used, width, utf8, p.size);  // how full, as USE
        }
    });
}

// `top`: the scale of the sparklines, the most ports any listed process held recently, so that
// the bars compare processes as the PORTS column does.
std::string process_row(const ProcessView& p, const std::vector<std::size_t>& w, bool utf8,
                        std::uint32_t top) {
    auto cell = [&](std::size_t i, std::size_t width) -> std::string {
        switch (i) {
            case 0:
                return p.pid == 0 ? std::string("-") : std::to_string(p.pid);
            case 1:  // sockets no process holds: TIME_WAIT and orphans not attributed
                return p.pid == 0 && p.name.empty() ? std::string("(no owner)")
                                                    : render::terminal_safe(p.name);
            case 2:
                return std::to_string(p.ports);
            case 3:
                return std::to_string(p.established);
            case 4:
                return std::to_string(p.time_wait);
            case 5:
                return std::to_string(p.time_wait_exact);
            case 6:
                return std::to_string(p.close_wait);
            case 7:
                return per_second(p.failures_per_second);
            case 8:
                return std::to_string(p.failures_total);
            case 9:
                return time_left(p.seconds_left, utf8);
            case 10:
                return render::terminal_safe(p.top_destination);
            default:
                return sparkline(p.recent_ports, width, utf8, top);
        }
    };
    return table_row(kProcessColumns, w, utf8, cell);
}

std::string clock_text(core::TimePoint at, std::chrono::seconds offset) {
    auto local = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()) + offset;
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::hh_mm_ss hms(local - day);
    return fmt::format("{:02}:{:02}:{:02}", hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count());
}

std::string title(const MonitorState& s, const ViewSettings& v) {
    std::string t = "portwatch top";
    if (v.paused) {
        t += " [PAUSED]";
    }
    t += "  " + clock_text(s.at, v.utc_offset);
    if (!s.source.empty()) {
        t += "  source " + render::terminal_safe(s.source);
    }
    t += fmt::format("  every {:g}s  failures {}  lost {}",
                     static_cast<double>(v.interval.count()) / 1000.0, s.failures_total,
                     s.events_lost);
    return t;
}

std::vector<Line> help_lines(const MonitorState& s) {
    std::vector<Line> h = {
        {"Keys", Style::Heading},
        {"  q              quit"},
        {"  p, space       pause the display (the monitor keeps sampling)"},
        {"  s, F6          sort by the next key: ports, time-wait, failures, name, pid"},
        {"  /              filter processes by name or pid (Enter keeps, Esc clears)"},
        {"  h, ?, F1       this help; any other key closes it"},
        {"  Up, Down, PgUp, PgDn, Home, End   scroll the processes"},
        {""},
        {"Columns", Style::Heading},
        {"  PORTS   ports the process holds, the TIME_WAIT it made included"},
        {"  TW      of them in TIME_WAIT; EXACT: recorded as made by it, not inferred"},
        {"  FAIL/s  port allocations the kernel refused it, per second (connect, bind)"},
        {"  USE     a pool's ports in use; SEV: ok, WARN, CRIT, FULL (no port left)"},
        {"  LEFT    time until the pool runs out at RATE; for a process, until the"},
        {"          fullest pool it uses runs out at its own rate"},
        {"  TREND   the recent samples (top keeps 5 minutes), oldest left; pools on their"},
        {"          size, processes on one scale for all"},
        {""},
    };
    if (!s.source_why.empty()) {
        h.push_back({"Source: " + render::terminal_safe(s.source_why), Style::Dim});
    }
    return h;
}

std::string status_bar(const ViewSettings& v, std::size_t first, std::size_t last,
                       std::size_t total) {
    if (v.editing_filter) {
        return "Filter: " + render::terminal_safe(v.filter) + "_   Enter keeps, Esc clears";
    }
    std::string left =
        fmt::format("q quit  p pause  s sort:{}  / filter  h help", sort_key_name(v.sort));
    if (!v.filter.empty()) {
        left += "  filter:" + render::terminal_safe(v.filter);
    }
    std::string right = v.help       ? std::string()
                        : total == 0 ? std::string("0/0")
                                     : fmt::format("{}-{}/{}", first + 1, last, total);
    std::size_t lw = render::display_width(left);
    std::size_t gap = v.cols > lw + right.size() ? v.cols - lw - right.size() : 1;
    return left + std::string(gap, ' ') + right;
}

bool contains_folded(std::string_view text, std::string_view part) {
    auto fold = [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    };
    return std::search(text.begin(), text.end(), part.begin(), part.end(), fold) != text.end();
}

}  // namespace

std::vector<const ProcessView*> visible_processes(const MonitorState& state,
                                                  const ViewSettings& view) {
    std::vector<const ProcessView*> out;
    for (const auto& p : state.processes) {
        if (view.filter.empty() || contains_folded(p.name, view.filter) ||
            std::to_string(p.pid).find(view.filter) != std::string::npos) {
            out.push_back(&p);
        }
    }
    auto key = view.sort;
    std::stable_sort(out.begin(), out.end(), [key](const ProcessView* a, const ProcessView* b) {
        switch (key) {
            case SortKey::Ports:
                if (a->ports != b->ports) {
                    return a->ports > b->ports;
                }
                break;
            case SortKey::TimeWait:
                if (a->time_wait != b->time_wait) {
                    return a->time_wait > b->time_wait;
                }
                break;
            case SortKey::Failures:
                if (a->failures_per_second != b->failures_per_second) {
                    return a->failures_per_second > b->failures_per_second;
                }
                if (a->failures_total != b->failures_total) {
                    return a->failures_total > b->failures_total;
                }
                break;
            case SortKey::Name:
                if (a->name != b->name) {
                    return a->name < b->name;
                }
                break;
            case SortKey::Pid:
                break;
        }
        return a->pid < b->pid;
    });
    return out;
}

Frame layout(const MonitorState& state, const ViewSettings& view) {
    Frame frame;
    const bool utf8 = view.utf8;
    const std::size_t cols = view.cols;
    auto& lines = frame.lines;
    auto add = [&](std::string text, Style style = Style::Normal) {
        lines.push_back({truncate(text, cols, utf8), style});
    };

    add(title(state, view), Style::Title);
    if (state.verdict != analyze::Severity::Ok && !state.summary.empty()) {
        add(render::terminal_safe(state.summary),
            severity_style(state.verdict));  // "CRITICAL: ..."
    }
    if (!state.warnings.empty()) {
        std::string w = "! " + render::terminal_safe(state.warnings.front());
        if (state.warnings.size() > 1) {
            w += fmt::format(" (+{} more)", state.warnings.size() - 1);
        }
        add(w, Style::Warning);
    }
    const std::size_t rows = view.batch ? 0 : view.rows;
    auto room = [&](std::size_t reserved) {  // lines left above the key bar and `reserved`
        std::size_t taken = lines.size() + 1 + reserved;
        return rows > taken ? rows - taken : 0;
    };

    auto processes = visible_processes(state, view);
    frame.processes = processes.size();
    if (view.help && !view.batch) {
        for (auto& l : help_lines(state)) {
            add(l.text, l.style);
        }
    } else {
        auto pw = widths(kPoolColumns, cols);
        add(heading(kPoolColumns, pw, utf8), Style::Heading);
        if (state.pools.empty()) {
            add("(no pool in use yet)", Style::Dim);
        }
        // Interactive: pools take the lines the processes do not need, and at least a third
        // of those below the title (at least one).
        std::size_t shown = state.pools.size();
        if (!view.batch) {
            const std::size_t avail = room(0);
            const std::size_t need = 2 + std::max<std::size_t>(1, processes.size());
            const std::size_t budget =
                std::max({std::size_t{1}, avail / 3, avail > need ? avail - need : 0});
            if (shown > budget) {
                shown = budget > 1 ? budget - 1 : 1;
            }
        }
        for (std::size_t i = 0; i < shown; ++i) {
            add(pool_row(state.pools[i], pw, utf8), severity_style(state.pools[i].severity));
        }
        if (shown < state.pools.size()) {
            add(fmt::format("  ... {} more pools (worst first)", state.pools.size() - shown),
                Style::Dim);
        }
        add("");
        auto cw = widths(kProcessColumns, cols);
        add(heading(kProcessColumns, cw, utf8), Style::Heading);
        std::size_t page = view.batch ? processes.size() : room(0);
        std::size_t max_scroll = processes.size() > page ? processes.size() - page : 0;
        frame.scroll = view.batch ? 0 : std::min(view.scroll, max_scroll);
        frame.page = std::max<std::size_t>(1, page);
        std::size_t end = std::min(processes.size(), frame.scroll + page);
        std::uint32_t top = 0;
        for (const auto* p : processes) {
            for (auto v : p->recent_ports) {
                top = std::max(top, v);
            }
        }
        for (std::size_t i = frame.scroll; i < end; ++i) {
            add(process_row(*processes[i], cw, utf8, top));
        }
        if (processes.empty()) {
            add(view.filter.empty() ? "(no process holds a port)"
                                    : "(no process matches the filter)",
                Style::Dim);
        }
    }
    if (!view.batch) {
        std::size_t first = frame.scroll;
        std::size_t last = std::min(processes.size(), frame.scroll + frame.page);
        std::string bar = status_bar(view, first, last, processes.size());
        if (lines.size() >= rows) {
            lines.resize(rows > 0 ? rows - 1 : 0);
        }
        while (lines.size() + 1 < rows) {
            lines.push_back({});
        }
        if (rows > 0) {
            lines.push_back({truncate(bar, cols, utf8), Style::Status});
        }
    }
    return frame;
}

}  // namespace portwatch::tui
