// `portwatch top`'s terminal loop in a real terminal (tmux): keys, resizes, and the terminal
// given back on every way out (q, SIGTERM, an error). The loop runs on a scripted feed
// (tests/tools/top_driver.cpp), so this needs tmux but not root; the same checks against the
// live monitor in a network namespace are in tests/kernel/top_kernel_test.cpp.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/tmux.h"

namespace {

using portwatch::testing::require_tmux;
using portwatch::testing::TmuxSession;

// Runs `program` so that its pid lands in `pidfile`, then shows how it ended and whether the
// terminal is back in canonical mode with echo (what endwin() restores).
std::string wrapped(const std::string& program, const std::string& pidfile) {
    return "LC_ALL=C.UTF-8; export LC_ALL; sh -c 'echo $$ > " + pidfile + "; exec " + program +
           "'; echo \"exit=$?\"; echo \"stty: $(stty -a | tr ' ;' '\\n\\n' | "
           "grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' ')\"; sleep 600";
}

std::string pidfile_name() {
    static int n = 0;
    return "/tmp/pwtop-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".pid";
}

// The line after the process table's heading.
std::string first_process(const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i].starts_with("    PID NAME")) {
            return lines[i + 1];
        }
    }
    return "";
}

bool restored(const std::string& screen) {
    return screen.find("stty: icanon echo\n") != std::string::npos;
}

TEST(TopTmux, KeysResizeAndQuit) {
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    const std::string pidfile = pidfile_name();
    TmuxSession t(wrapped(PORTWATCH_TOOLS_DIR "/top_driver", pidfile), 80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("q quit")) << t.screen();

    auto lines = t.capture();
    ASSERT_EQ(lines.size(), 24u);
    EXPECT_TRUE(lines[0].starts_with("portwatch top  ")) << t.screen();
    EXPECT_NE(lines[0].find("source scripted"), std::string::npos) << lines[0];
    EXPECT_TRUE(lines[1].starts_with("POOL")) << t.screen();
    EXPECT_NE(
        lines[2].find(
            "-> 10.0.0.2:443       CRIT [|||||||||90.0%]    900/1000   +30/m  3m 20s      ▇▇▇"),
        std::string::npos)
        << lines[2];
    EXPECT_TRUE(first_process(lines).starts_with("   5039 svc-39              49")) << t.screen();
    EXPECT_TRUE(lines[23].starts_with("q quit  p pause  s sort:ports")) << lines[23];

    t.send("s");
    ASSERT_TRUE(t.wait_for_text("sort:time-wait")) << t.screen();
    EXPECT_TRUE(first_process(t.capture()).starts_with("   5004 svc-04")) << t.screen();

    // The filter, and a name made of escape sequences: shown escaped, the screen intact.
    t.send("/");
    t.send("evil", true);
    t.send("Enter");
    ASSERT_TRUE(t.wait_for_text("filter:evil")) << t.screen();
    lines = t.capture();
    EXPECT_TRUE(first_process(lines).starts_with("   5007 evil\\x1b[2J")) << t.screen();
    EXPECT_TRUE(lines[0].starts_with("portwatch top  ")) << t.screen();
    EXPECT_NE(lines[23].find("1-1/1"), std::string::npos) << lines[23];
    t.send("Escape");
    ASSERT_TRUE(t.wait_for([](const std::string& s) {
        return s.find("filter:") == std::string::npos;
    })) << t.screen();

    t.send("h");
    ASSERT_TRUE(t.wait_for_text("sort by the next key")) << t.screen();
    t.send("x");
    ASSERT_TRUE(t.wait_for_text("    PID NAME")) << t.screen();

    t.send("p");
    ASSERT_TRUE(t.wait_for_text("portwatch top [PAUSED]")) << t.screen();
    t.send("Space");
    ASSERT_TRUE(t.wait_for([](const std::string& s) {
        return s.find("[PAUSED]") == std::string::npos;
    })) << t.screen();

    t.send("NPage");
    ASSERT_TRUE(t.wait_for([](const std::string& s) {
        return s.find("1-13/40") == std::string::npos && s.find("/40") != std::string::npos;
    })) << t.screen();

    // Resizes: wider shows more columns, narrower keeps the key bar at the bottom.
    t.resize(120, 30);
    ASSERT_TRUE(t.wait_for([&](const std::string& s) {
        return s.find("ESTAB") != std::string::npos && t.capture().size() == 30;
    })) << t.screen();
    lines = t.capture();
    EXPECT_TRUE(lines[29].starts_with("q quit")) << t.screen();
    // tmux shows the old frame's bottom lines, clipped to 60 columns, until top redraws: wait
    // for the redrawn frame (its heading), not just for a key bar at the bottom.
    t.resize(60, 15);
    ASSERT_TRUE(t.wait_for([&](const std::string&) {
        auto l = t.capture();
        const std::string s = t.screen();
        return l.size() == 15 && l[14].starts_with("q quit") &&
               s.find("ESTAB") == std::string::npos && s.find("    PID NAME") != std::string::npos;
    })) << t.screen();
    for (const auto& l : t.capture()) {
        EXPECT_LE(l.size(), 60u * 3) << l;
    }
    EXPECT_NE(t.screen().find("    PID NAME"), std::string::npos) << t.screen();

    t.send("q");
    ASSERT_TRUE(t.wait_for_text("exit=0")) << t.screen();
    ASSERT_TRUE(t.wait_for(restored)) << t.screen();
    EXPECT_EQ(t.screen().find("q quit"), std::string::npos) << "the view stayed on screen";
    ::unlink(pidfile.c_str());
}

// A step that lasts the whole interval (10 s here) holds up neither keys nor q: keys act on
// the frame shown, and q ends the view with the step still under way (it is interrupted).
TEST(TopTmux, KeysAndQuitDoNotWaitForTheInterval) {
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    const std::string pidfile = pidfile_name();
    TmuxSession t(wrapped(PORTWATCH_TOOLS_DIR "/top_driver -1 10000", pidfile), 80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("q quit")) << t.screen();
    const auto fast = std::chrono::milliseconds(1500);
    t.send("s");
    ASSERT_TRUE(t.wait_for_text("sort:time-wait", fast)) << t.screen();
    t.send("p");
    ASSERT_TRUE(t.wait_for_text("[PAUSED]", fast)) << t.screen();
    t.send("h");
    ASSERT_TRUE(t.wait_for_text("sort by the next key", fast)) << t.screen();
    t.send("x");
    ASSERT_TRUE(t.wait_for_text("    PID NAME", fast)) << t.screen();
    const auto sent = std::chrono::steady_clock::now();
    t.send("q");
    ASSERT_TRUE(t.wait_for_text("exit=0", std::chrono::seconds(5))) << t.screen();
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(2));
    EXPECT_TRUE(t.wait_for(restored)) << t.screen();
    ::unlink(pidfile.c_str());
}

// The same with the live monitor (poll source, this host's sockets): q at --interval 10.
TEST(TopTmux, QuitsTheLiveMonitorWithoutWaitingOutTheInterval) {
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    const std::string pidfile = pidfile_name();
    TmuxSession t(
        wrapped(std::string(PORTWATCH_BINARY) + " top --interval 10 --source poll --owners none",
                pidfile),
        80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("q quit")) << t.screen();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the first step under way
    t.send("s");
    ASSERT_TRUE(t.wait_for_text("sort:time-wait", std::chrono::milliseconds(1500))) << t.screen();
    const auto sent = std::chrono::steady_clock::now();
    t.send("q");
    ASSERT_TRUE(t.wait_for_text("exit=0", std::chrono::seconds(12))) << t.screen();
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(2));
    EXPECT_TRUE(t.wait_for(restored)) << t.screen();
    ::unlink(pidfile.c_str());
}

TEST(TopTmux, SigtermRestoresTheTerminal) {
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    const std::string pidfile = pidfile_name();
    TmuxSession t(wrapped(PORTWATCH_TOOLS_DIR "/top_driver", pidfile), 80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("q quit")) << t.screen();
    pid_t pid = 0;
    std::ifstream(pidfile) >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    ASSERT_TRUE(t.wait_for_text("exit=143")) << t.screen();
    EXPECT_TRUE(t.wait_for(restored)) << t.screen();
    ::unlink(pidfile.c_str());
}

TEST(TopTmux, AFailingFeedRestoresTheTerminalThenSaysWhy) {
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    const std::string pidfile = pidfile_name();
    TmuxSession t(wrapped(PORTWATCH_TOOLS_DIR "/top_driver 3", pidfile), 80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("exit=1")) << t.screen();
    EXPECT_NE(t.screen().find("top_driver: scripted failure"), std::string::npos) << t.screen();
    EXPECT_TRUE(t.wait_for(restored)) << t.screen();
    ::unlink(pidfile.c_str());
}

}  // namespace
