#include "tui/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "render/utf8.h"
#include "tui/plain.h"

namespace {

using namespace portwatch::tui;
using portwatch::analyze::Severity;
using portwatch::monitor::MonitorState;
using portwatch::monitor::PoolView;
using portwatch::monitor::ProcessView;
using portwatch::render::display_width;

ProcessView process(int pid, std::string name, std::uint32_t ports, std::uint32_t tw,
                    double failures) {
    ProcessView p;
    p.pid = pid;
    p.name = std::move(name);
    p.ports = ports;
    p.time_wait = tw;
    p.time_wait_exact = tw / 2;
    p.established = ports - tw;
    p.failures_per_second = failures;
    p.failures_total = static_cast<std::uint64_t>(failures * 60);
    p.top_destination = "10.0.0." + std::to_string(pid % 200) + ":443";
    p.recent_ports = {ports / 4, ports / 2, ports};
    return p;
}

MonitorState sample_state(int processes = 40) {
    MonitorState s;
    s.at = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::hours{12} +
           std::chrono::minutes{34} + std::chrono::seconds{56};
    s.source = "poll";
    s.source_why = "poll: eBPF did not load (not root)";
    s.failures_total = 17;
    PoolView a;
    a.pool = "10.0.0.1 -> 10.0.0.2:443";
    a.kind = "tcp-connect";
    a.size = 28232;
    a.used = 11857;
    a.free = a.size - a.used;
    a.utilisation = 0.42;
    a.severity = Severity::Ok;
    a.used_per_minute = 120;
    a.seconds_left = 3 * 3600 + 5 * 60;
    a.recent_used = {100, 2000, 5000, 11857};
    PoolView b = a;
    b.pool = "tcp-local 0.0.0.0";
    b.kind = "tcp-local";
    b.utilisation = 0.93;
    b.used = 26255;
    b.severity = Severity::Critical;
    b.seconds_left = 12 * 60;
    PoolView c = a;
    c.pool = "udp-local 0.0.0.0";
    c.utilisation = 0.01;
    c.used_per_minute = 0;
    c.seconds_left.reset();
    s.pools = {b, a, c};
    for (int i = 0; i < processes; ++i) {
        s.processes.push_back(process(1000 + i, "worker-" + std::to_string(i),
                                      static_cast<std::uint32_t>(10 + (i * 37) % 200),
                                      static_cast<std::uint32_t>((i * 13) % 50),
                                      (i * 7) % 5 * 0.5));
    }
    s.processes.push_back(process(4242, "nginx", 500, 400, 3.5));
    return s;
}

std::string joined(const Frame& f) {
    std::string all;
    for (const auto& l : f.lines) {
        all += l.text + "\n";
    }
    return all;
}

void expect_fits(const Frame& f, std::size_t rows, std::size_t cols) {
    EXPECT_EQ(f.lines.size(), rows);
    for (const auto& l : f.lines) {
        EXPECT_LE(display_width(l.text), cols) << l.text;
    }
}

std::vector<int> pids(const std::vector<const ProcessView*>& ps) {
    std::vector<int> out;
    for (auto* p : ps) {
        out.push_back(p->pid);
    }
    return out;
}

TEST(Layout, FitsEightyByTwentyFourWithEveryPart) {
    ViewSettings v;
    Frame f = layout(sample_state(), v);
    expect_fits(f, 24, 80);
    EXPECT_TRUE(f.lines[0].text.starts_with("portwatch top  12:34:56  source poll"))
        << f.lines[0].text;
    EXPECT_NE(f.lines[0].text.find("failures 17"), std::string::npos);
    EXPECT_EQ(f.lines[1].style, Style::Heading);
    EXPECT_TRUE(f.lines[1].text.starts_with("POOL"));
    // Worst pool first, with its gauge, numbers, time left and trend.
    const std::string& worst = f.lines[2].text;
    EXPECT_EQ(f.lines[2].style, Style::Critical);
    EXPECT_NE(worst.find("CRIT"), std::string::npos) << worst;
    EXPECT_NE(worst.find("93.0%]"), std::string::npos) << worst;
    EXPECT_NE(worst.find("26255/28232"), std::string::npos) << worst;
    EXPECT_NE(worst.find("12m"), std::string::npos) << worst;
    EXPECT_NE(f.lines[3].text.find("3h 5m"), std::string::npos) << f.lines[3].text;
    EXPECT_TRUE(f.lines[3].text.starts_with("-> 10.0.0.2:443       ok   [||||||"))
        << f.lines[3].text;
    EXPECT_NE(f.lines[4].text.find("—"), std::string::npos) << f.lines[4].text;
    const std::string all = joined(f);
    for (const char* col : {"PID", "NAME", "PORTS", "TW", "EXACT", "FAIL/s", "TOP DESTINATION"}) {
        EXPECT_NE(all.find(col), std::string::npos) << col;
    }
    // The process holding the most ports comes first, with its row complete.
    auto heading = std::find_if(f.lines.begin(), f.lines.end(),
                                [](const Line& l) { return l.text.starts_with("    PID"); });
    ASSERT_NE(heading, f.lines.end()) << all;
    const std::string& top = (heading + 1)->text;
    EXPECT_TRUE(top.starts_with("   4242 nginx")) << top;
    EXPECT_NE(top.find("10.0.0.42:443"), std::string::npos) << top;
    EXPECT_NE(top.find("3.5"), std::string::npos) << top;
    EXPECT_EQ(f.lines.back().style, Style::Status);
    EXPECT_TRUE(f.lines.back().text.starts_with("q quit  p pause  s sort:ports")) << all;
    EXPECT_NE(f.lines.back().text.find("1-" + std::to_string(f.page) + "/41"), std::string::npos)
        << f.lines.back().text;
    EXPECT_EQ(f.processes, 41u);
    EXPECT_EQ(f.page, static_cast<std::size_t>(f.lines.end() - heading - 2));
}

TEST(Layout, PoolNamesKeepWhatTellsThemApart) {
    MonitorState s = sample_state(1);
    s.pools[0].pool = "tcp-connect 192.168.100.200 -> [2001:db8::1234]:8443";
    s.pools[1].pool = "tcp-connect 10.0.0.1 -> [2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:443";
    s.pools[2].pool = "udp-local any local address (so it is long)";
    ViewSettings v;
    Frame f = layout(s, v);
    EXPECT_TRUE(f.lines[2].text.starts_with("…2001:db8::1234]:8443 ")) << f.lines[2].text;
    EXPECT_TRUE(f.lines[3].text.starts_with("…:dddd:eeee:ffff]:443 ")) << f.lines[3].text;
    EXPECT_TRUE(f.lines[4].text.starts_with("…ress (so it is long) ")) << f.lines[4].text;
    v.cols = 200;
    std::string wide = joined(layout(s, v));
    for (const auto& p : s.pools) {
        EXPECT_NE(wide.find(p.pool), std::string::npos) << p.pool;
    }
}

TEST(Layout, SocketsWithoutOwnerAreNamedSo) {
    MonitorState s = sample_state(1);
    s.processes = {process(0, "", 3, 2, 0)};
    Frame f = layout(s, ViewSettings{});
    EXPECT_NE(joined(f).find("      - (no owner)           3"), std::string::npos) << joined(f);
}

TEST(Layout, NarrowTerminalKeepsTheEssentialColumns) {
    ViewSettings v;
    v.cols = 40;
    v.rows = 12;
    Frame f = layout(sample_state(), v);
    expect_fits(f, 12, 40);
    const std::string all = joined(f);
    EXPECT_NE(all.find("PID"), std::string::npos);
    EXPECT_NE(all.find("NAME"), std::string::npos);
    EXPECT_NE(all.find("PORTS"), std::string::npos);
    EXPECT_EQ(all.find("TREND"), std::string::npos) << all;
    EXPECT_NE(all.find("%]"), std::string::npos) << all;  // pools keep their gauge
    EXPECT_TRUE(f.lines.back().text.starts_with("q quit"));

    v.cols = 10;
    v.rows = 3;
    expect_fits(layout(sample_state(), v), 3, 10);
    v.rows = 0;
    expect_fits(layout(sample_state(), v), 0, 10);
}

TEST(Layout, WiderTerminalGrowsColumnsAndAddsSome) {
    MonitorState s = sample_state(3);
    s.processes[0].name = "a-rather-long-process-name-here";
    ViewSettings v;
    std::string narrow = joined(layout(s, v));
    EXPECT_EQ(narrow.find("a-rather-long-process-name-here"), std::string::npos);
    EXPECT_NE(narrow.find("a-rather-long-…"), std::string::npos) << narrow;
    EXPECT_EQ(narrow.find("ESTAB"), std::string::npos);
    v.cols = 160;
    Frame wide = layout(s, v);
    expect_fits(wide, 24, 160);
    std::string all = joined(wide);
    EXPECT_NE(all.find("a-rather-long-process-name-here"), std::string::npos) << all;
    EXPECT_NE(all.find("ESTAB"), std::string::npos);
    EXPECT_NE(all.find("FAILS"), std::string::npos);
    EXPECT_NE(all.find("LEFT"), std::string::npos);
    EXPECT_NE(all.find("10.0.0.1 -> 10.0.0.2:443"), std::string::npos);
}

TEST(Layout, SortKeysOrderTheProcesses) {
    MonitorState s;
    s.processes = {process(30, "beta", 5, 4, 0.0), process(10, "alpha", 9, 1, 2.0),
                   process(20, "gamma", 7, 6, 1.0), process(40, "Delta", 9, 0, 0.0)};
    ViewSettings v;
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{10, 40, 20, 30}));
    v.sort = SortKey::TimeWait;
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{20, 30, 10, 40}));
    v.sort = SortKey::Failures;
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{10, 20, 30, 40}));
    v.sort = SortKey::Name;
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{40, 10, 30, 20}));
    v.sort = SortKey::Pid;
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{10, 20, 30, 40}));
}

TEST(Layout, FilterByNameIgnoringCaseOrByPid) {
    MonitorState s = sample_state();
    ViewSettings v;
    v.filter = "NGI";
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{4242}));
    v.filter = "1039";
    EXPECT_EQ(pids(visible_processes(s, v)), (std::vector<int>{1039}));
    v.filter = "worker-3";
    EXPECT_EQ(visible_processes(s, v).size(), 11u);  // worker-3, worker-30..39
    v.filter = "nothing-like-this";
    Frame f = layout(s, v);
    EXPECT_EQ(f.processes, 0u);
    std::string all = joined(f);
    EXPECT_NE(all.find("(no process matches the filter)"), std::string::npos);
    EXPECT_NE(f.lines.back().text.find("filter:nothing-like-this"), std::string::npos);
    EXPECT_NE(f.lines.back().text.find("0/0"), std::string::npos);
}

TEST(Layout, HostileNamesStayEscaped) {
    MonitorState s = sample_state(2);
    s.processes[0].name = "\x1b]0;owned\x07\x1b[2J";
    s.processes[0].ports = 9000;
    s.processes[1].name = "evil\u202Egnp.exe\nsecond line";
    s.processes[1].ports = 8000;
    s.processes[1].top_destination = "\x1b[31mred";
    s.pools[0].pool = "pool\rreturn";
    s.warnings = {"history: \x1b[5mblink"};
    s.source_why = "because\x1b[H";
    for (bool batch : {false, true}) {
        for (bool help : {false, true}) {
            ViewSettings v;
            v.cols = 200;
            v.batch = batch;
            v.help = help;
            std::string all = joined(layout(s, v));
            EXPECT_EQ(all.find('\x1b'), std::string::npos) << all;
            EXPECT_EQ(all.find('\x07'), std::string::npos) << all;
            EXPECT_EQ(all.find('\r'), std::string::npos) << all;
            EXPECT_EQ(all.find("\u202E"), std::string::npos) << all;
            EXPECT_EQ(std::count(all.begin(), all.end(), '\n'),
                      static_cast<long>(layout(s, v).lines.size()));
            if (!help) {
                EXPECT_NE(all.find("\\x1b]0;owned\\x07"), std::string::npos) << all;
                EXPECT_NE(all.find("evil\\u202egnp.exe\\nsecond line"), std::string::npos) << all;
                EXPECT_NE(all.find("\\x1b[31mred"), std::string::npos) << all;
                EXPECT_NE(all.find("pool\\rreturn"), std::string::npos) << all;
            }
        }
    }
    // The filter the user typed is shown escaped too.
    ViewSettings v;
    v.filter = "\x1b[2J";
    EXPECT_EQ(joined(layout(s, v)).find('\x1b'), std::string::npos);
}

TEST(Layout, ScrollIsClampedAndMovesTheRows) {
    MonitorState s = sample_state();
    ViewSettings v;
    v.scroll = 1000;
    Frame f = layout(s, v);
    EXPECT_EQ(f.scroll, f.processes - f.page);
    EXPECT_NE(f.lines.back().text.find(std::to_string(f.scroll + 1) + "-41/41"), std::string::npos)
        << f.lines.back().text;
    v.scroll = 0;
    auto order = visible_processes(s, v);
    v.scroll = 3;
    Frame g = layout(s, v);
    std::string all = joined(g);
    EXPECT_NE(all.find(order[3]->name + " "), std::string::npos);
    EXPECT_EQ(all.find(" " + order[2]->name + " "), std::string::npos) << all;
}

TEST(Layout, ManyPoolsTakeAtMostAThirdOfTheScreen) {
    MonitorState s = sample_state();
    for (int i = 0; i < 30; ++i) {
        s.pools.push_back(s.pools[1]);
    }
    ViewSettings v;
    Frame f = layout(s, v);
    expect_fits(f, 24, 80);
    std::string all = joined(f);
    EXPECT_NE(all.find("more pools (worst first)"), std::string::npos) << all;
    EXPECT_GE(f.page, 10u);
}

TEST(Layout, FewProcessesLeaveTheirRoomToPools) {
    MonitorState s = sample_state(2);
    for (int i = 0; i < 30; ++i) {
        s.pools.push_back(s.pools[1]);
    }
    Frame f = layout(s, ViewSettings{});
    expect_fits(f, 24, 80);
    std::string all = joined(f);
    // 24 = title, heading, pools, "more", blank, heading, 3 processes, key bar
    EXPECT_NE(all.find("... 18 more pools (worst first)"), std::string::npos) << all;
    EXPECT_NE(all.find("nginx"), std::string::npos) << all;
    EXPECT_NE(all.find("worker-1"), std::string::npos) << all;
}

TEST(Layout, SparklinesCompareLikeTheColumnsBesideThem) {
    MonitorState s = sample_state(0);
    s.pools.resize(1);
    s.pools[0].size = 1000;
    s.pools[0].recent_used = {10, 10, 10, 10};  // flat and nearly empty: low, not full height
    s.processes = {process(1, "big", 80, 0, 0), process(2, "small", 10, 0, 0)};
    s.processes[0].recent_ports = {80, 80};
    s.processes[1].recent_ports = {10, 10};
    ViewSettings v;
    v.utf8 = false;
    std::string all = joined(layout(s, v));
    EXPECT_NE(all.find(" ____\n"), std::string::npos) << all;
    EXPECT_NE(all.find(" ##\n"), std::string::npos) << all;
    EXPECT_NE(all.find(" ..\n"), std::string::npos) << all;
}

TEST(Layout, HelpReplacesTheTables) {
    ViewSettings v;
    v.help = true;
    Frame f = layout(sample_state(), v);
    expect_fits(f, 24, 80);
    std::string all = joined(f);
    EXPECT_NE(all.find("Keys"), std::string::npos);
    EXPECT_NE(all.find("sort by the next key"), std::string::npos);
    EXPECT_NE(all.find("Source: poll: eBPF did not load (not root)"), std::string::npos);
    EXPECT_EQ(all.find("nginx"), std::string::npos);
}

TEST(Layout, AsciiWithoutUtf8) {
    MonitorState s = sample_state();
    s.processes[0].name = "a-rather-long-process-name-here";
    ViewSettings v;
    v.utf8 = false;
    std::string all = joined(layout(s, v));
    EXPECT_TRUE(std::all_of(all.begin(), all.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
    })) << all;
    v.utf8 = true;
    all = joined(layout(s, v));
    EXPECT_NE(all.find("\u2588"), std::string::npos);  // the sparklines' full block
}

TEST(Layout, AVerdictWorseThanOkIsTheSecondLine) {
    MonitorState s = sample_state();
    s.verdict = Severity::Critical;
    s.summary = "CRITICAL: tcp-local 0.0.0.0 is 93% used \x1b";
    s.warnings = {"history: disk full"};
    Frame f = layout(s, ViewSettings{});
    expect_fits(f, 24, 80);
    EXPECT_EQ(f.lines[1].text, "CRITICAL: tcp-local 0.0.0.0 is 93% used \\x1b");
    EXPECT_EQ(f.lines[1].style, Style::Critical);
    EXPECT_EQ(f.lines[2].text, "! history: disk full");
    EXPECT_TRUE(f.lines[3].text.starts_with("POOL"));
    s.verdict = Severity::Ok;
    EXPECT_TRUE(layout(s, ViewSettings{}).lines[1].text.starts_with("! history"));
}

TEST(Layout, PausedIsInTheTitle) {
    ViewSettings v;
    v.paused = true;
    EXPECT_TRUE(layout(sample_state(), v).lines[0].text.starts_with("portwatch top [PAUSED]"));
    v.paused = false;
    v.utc_offset = std::chrono::hours{-5};
    EXPECT_NE(layout(sample_state(), v).lines[0].text.find("07:34:56"), std::string::npos);
}

TEST(Plain, EveryProcessNoKeyBarNoTrailingBlanks) {
    MonitorState s = sample_state();
    ViewSettings v;
    std::ostringstream out;
    write_plain_frame(out, s, v);
    std::string text = out.str();
    EXPECT_TRUE(text.ends_with("\n\n"));
    EXPECT_EQ(text.find("q quit"), std::string::npos);
    for (const auto& p : s.processes) {
        EXPECT_NE(text.find(" " + p.name + " "), std::string::npos) << p.name;
    }
    std::istringstream lines(text);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line)) {
        ++n;
        EXPECT_FALSE(line.ends_with(' ')) << line;
        EXPECT_LE(display_width(line), 80u);
    }
    // title, pool heading, 3 pools, blank, process heading, 41 processes, blank
    EXPECT_EQ(n, 1u + 1 + 3 + 1 + 1 + 41 + 1);
}

// Plain frames (standard output not a terminal, or -b) are like `top -b`: every pool and every
// process, however many, whatever size the view was left at.
TEST(Plain, EveryPoolPastOneScreen) {
    MonitorState s = sample_state(30);
    const PoolView model = s.pools[1];
    for (int i = 0; i < 60; ++i) {
        PoolView p = model;
        p.pool = "10.0.0.1 -> 10.0.9." + std::to_string(i) + ":443";
        p.used = static_cast<std::uint32_t>(100 + i);
        s.pools.push_back(p);
    }
    ViewSettings v;
    v.rows = 24;
    v.cols = 80;
    std::ostringstream out;
    write_plain_frame(out, s, v);
    const std::string text = out.str();
    for (const auto& p : s.pools) {
        // At 80 columns a connect pool shows its destination ("-> 10.0.9.7:443").
        const auto arrow = p.pool.find("-> ");
        const std::string shown = arrow == std::string::npos ? p.pool : p.pool.substr(arrow);
        EXPECT_NE(text.find(shown + " "), std::string::npos) << p.pool;
    }
    for (const auto& p : s.processes) {
        EXPECT_NE(text.find(" " + p.name + " "), std::string::npos) << p.name;
    }
    EXPECT_EQ(text.find("more pools"), std::string::npos);
    // title, pool heading, 63 pools, blank, process heading, 31 processes, blank
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 1 + 63 + 1 + 1 + 31 + 1);
}

}  // namespace
