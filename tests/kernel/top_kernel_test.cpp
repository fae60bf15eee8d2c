// `portwatch top` on the live monitor, in a network namespace of the test's own where
// sockfarm holds a known set of sockets: in tmux (keys, resize, quit with the terminal
// restored), and as plain frames when standard output is not a terminal.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/tmux.h"

namespace {

using portwatch::testing::require_root;
using portwatch::testing::require_tmux;
using portwatch::testing::run_shell;
using portwatch::testing::TmuxSession;

const std::string kBin = PORTWATCH_BINARY;

// A namespace with sockfarm in it (named "farm" + ESC [2J, to be shown escaped); removed with
// everything in it when the test ends.
class FarmNamespace {
  public:
    FarmNamespace()
        : name_("pwtop-" + std::to_string(::getpid())), ready_("/tmp/" + name_ + ".ready") {
        ok_ =
            run_shell("ip netns add " + name_ + " && ip -n " + name_ + " link set lo up").code == 0;
        if (!ok_) {
            return;
        }
        run_shell("SOCKFARM_COMM=\"$(printf 'farm\\033[2J')\" ip netns exec " + name_ +
                  " " PORTWATCH_TOOLS_DIR "/sockfarm " + ready_ + " 120 >/dev/null 2>&1 &");
        for (int i = 0; i < 100 && ::access(ready_.c_str(), F_OK) != 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ok_ = ::access(ready_.c_str(), F_OK) == 0;
    }
    ~FarmNamespace() {
        run_shell("ip netns pids " + name_ + " | xargs -r kill -9 2>/dev/null; sleep 0.2; " +
                  "ip netns del " + name_ + " 2>/dev/null; rm -f " + ready_);
    }
    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }

  private:
    std::string name_, ready_;
    bool ok_ = false;
};

std::string wrapped(const std::string& program) {
    return "LC_ALL=C.UTF-8; export LC_ALL; " + program +
           "; echo \"exit=$?\"; echo \"stty: $(stty -a | tr ' ;' '\\n\\n' | "
           "grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' ')\"; sleep 600";
}

std::vector<std::string> process_rows(const std::vector<std::string>& lines) {
    std::vector<std::string> rows;
    bool in = false;
    for (const auto& l : lines) {
        if (l.starts_with("    PID NAME")) {
            in = true;
        } else if (in && (l.empty() || l.starts_with("q quit"))) {
            break;
        } else if (in) {
            rows.push_back(l);
        }
    }
    return rows;
}

// The TW column of a process row at 80 columns: PID(7) NAME(15) PORTS(6) TW(6).
int tw_of(const std::string& row) {
    return row.size() < 37 ? -1 : std::atoi(row.substr(31, 6).c_str());
}

TEST(TopKernel, LiveViewInTmux) {
    if (!require_root("portwatch top against a network namespace")) {
        GTEST_SKIP() << "needs root";
    }
    if (!require_tmux()) {
        GTEST_SKIP() << "needs tmux";
    }
    FarmNamespace ns;
    ASSERT_TRUE(ns.ok()) << "the namespace or sockfarm did not start";
    TmuxSession t(wrapped(kBin + " top --netns " + ns.name() + " --interval 0.5"), 80, 24);
    ASSERT_TRUE(t.started());
    ASSERT_TRUE(t.wait_for_text("q quit")) << t.screen();
    // Two samples in, the TREND column has two values.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    auto lines = t.capture();
    ASSERT_EQ(lines.size(), 24u);
    EXPECT_TRUE(lines[0].starts_with("portwatch top  ")) << t.screen();
    EXPECT_NE(lines[0].find("every 0.5s"), std::string::npos) << lines[0];
    EXPECT_TRUE(lines[1].starts_with("POOL")) << t.screen();
    const std::string screen = t.screen();
    EXPECT_NE(screen.find("-> 127.0.0.1:7000"), std::string::npos) << screen;  // a connect pool
    EXPECT_NE(screen.find("tcp-local 127.0.0.1"), std::string::npos) << screen;
    EXPECT_NE(screen.find("0.0%]"), std::string::npos) << screen;  // its gauge
    auto rows = process_rows(lines);
    ASSERT_FALSE(rows.empty()) << screen;
    EXPECT_NE(rows[0].find("farm\\x1b[2J"), std::string::npos) << screen;  // most ports first
    EXPECT_NE(rows[0].find("127.0.0.1:7000"), std::string::npos) << rows[0];
    EXPECT_EQ(screen.find('\x1b'), std::string::npos);
    EXPECT_TRUE(lines[23].starts_with("q quit  p pause  s sort:ports")) << lines[23];

    t.send("s");
    ASSERT_TRUE(t.wait_for_text("sort:time-wait")) << t.screen();
    rows = process_rows(t.capture());
    ASSERT_FALSE(rows.empty());
    for (const auto& r : rows) {
        EXPECT_GE(tw_of(rows[0]), tw_of(r)) << t.screen();
    }
    EXPECT_GE(tw_of(rows[0]), 2) << t.screen();  // sockfarm's two client TIME_WAITs

    t.send("h");
    ASSERT_TRUE(t.wait_for_text("sort by the next key")) << t.screen();
    t.send("x");
    ASSERT_TRUE(t.wait_for_text("    PID NAME")) << t.screen();

    t.resize(110, 30);
    ASSERT_TRUE(t.wait_for([&](const std::string& s) {
        return s.find("ESTAB") != std::string::npos && t.capture().size() == 30;
    })) << t.screen();
    EXPECT_NE(t.screen().find("tcp-connect 127.0.0.1 -> 127.0.0.1:7000"), std::string::npos)
        << t.screen();

    t.send("q");
    ASSERT_TRUE(t.wait_for_text("exit=0")) << t.screen();
    EXPECT_TRUE(t.wait_for_text("stty: icanon echo\n")) << t.screen();
}

TEST(TopKernel, PlainFramesWhenNotATerminal) {
    if (!require_root("portwatch top against a network namespace")) {
        GTEST_SKIP() << "needs root";
    }
    FarmNamespace ns;
    ASSERT_TRUE(ns.ok()) << "the namespace or sockfarm did not start";
    auto r = run_shell(kBin + " top --netns " + ns.name() + " -n 2 --interval 0.2 < /dev/null");
    EXPECT_EQ(r.code, 0) << r.err;
    std::size_t frames = 0;
    for (std::size_t at = 0; (at = r.out.find("portwatch top  ", at)) != std::string::npos; ++at) {
        ++frames;
    }
    EXPECT_EQ(frames, 2u) << r.out;
    EXPECT_NE(r.out.find("farm\\x1b[2J"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
    EXPECT_EQ(r.out.find("q quit"), std::string::npos);
    EXPECT_NE(r.err.find("source "), std::string::npos) << r.err;  // which source, and why

    auto once = run_shell("COLUMNS=132 " + kBin + " top --netns " + ns.name() + " --once");
    EXPECT_EQ(once.code, 0) << once.err;
    EXPECT_NE(once.out.find("tcp-connect 127.0.0.1 -> 127.0.0.1:7000"), std::string::npos)
        << once.out;
    EXPECT_NE(once.out.find("ESTAB"), std::string::npos) << once.out;
}

TEST(TopKernel, MissingNamespaceIsAnErrorBeforeAnyScreen) {
    auto r = run_shell(kBin + " top --netns pw-no-such-namespace --once");
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("pw-no-such-namespace"), std::string::npos) << r.err;
}

}  // namespace
