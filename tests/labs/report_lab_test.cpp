// `portwatch report --from-history` on a real history: a namespace with a narrowed range, a
// process that leaks a connection three times a second until the kernel refuses one
// (tests/tools/portleak.cpp, named "pwleak"), and `portwatch monitor --db` recording it for a
// little over two minutes (two per-minute rollups at least). The report must open in headless
// Chromium with the verdict, the charts and the culprit table visible and no console error;
// the screenshot is kept at build/<preset>/tests/artefacts/report-lab.png. Needs root and
// chromium; fails (not skips) when CI is set. About two and a half minutes.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "support/chromium.h"
#include "support/process.h"

extern char** environ;

namespace {

using portwatch::testing::checked_output;
using portwatch::testing::require_root;
using namespace std::chrono_literals;

// A background shell command, interrupted (SIGINT) or killed, and reaped.
class Background {
  public:
    explicit Background(const std::string& shell_command) {
        std::string sh = "/bin/sh", c = "-c", cmd = shell_command;
        char* argv[] = {sh.data(), c.data(), cmd.data(), nullptr};
        EXPECT_EQ(posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, argv, environ), 0);
    }
    ~Background() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    int interrupt() {
        ::kill(pid_, SIGINT);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    pid_t pid_ = -1;
};

class Namespace {
  public:
    Namespace() : name_("pwreport-" + std::to_string(::getpid())) {
        checked_output({"ip", "netns", "add", name_});
        checked_output({"ip", "-n", name_, "link", "set", "lo", "up"});
        checked_output({"ip", "netns", "exec", name_, "sysctl", "-qw",
                        "net.ipv4.ip_local_port_range=40000 40179"});
    }
    ~Namespace() {
        std::string cmd =
            "ip netns pids " + name_ + " | xargs -r kill -9 2>/dev/null; ip netns del " + name_;
        [[maybe_unused]] int rc = std::system(cmd.c_str());
    }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(ReportLab, ReportFromALeaksHistoryOpensInChromiumWithVerdictAndCharts) {
    if (!require_root("the report's lab test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    if (portwatch::testing::find_chromium().empty()) {
        if (std::getenv("CI") != nullptr) {
            FAIL() << "chromium is not installed (scripts/setup.sh installs it)";
        }
        GTEST_SKIP() << "chromium is not installed";
    }
    Namespace ns;
    char dir[] = "/tmp/pwreport-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string db = std::string(dir) + "/history.db", log = std::string(dir) + "/log",
                      result = std::string(dir) + "/exhausted";
    Background monitor("exec " + std::string(PORTWATCH_BINARY) + " monitor --netns " + ns.name() +
                       " --interval 1s --duration 130s --db " + db + " > /dev/null 2> " + log);
    std::this_thread::sleep_for(1500ms);
    Background leak("exec ip netns exec " + ns.name() + " " PORTWATCH_TOOLS_DIR "/portleak " +
                    result + " 3 200 >/dev/null 2>&1");
    // 180 ports at 3 a second: dry after about a minute; the monitor records a minute or more
    // of it exhausted. Its --duration ends it (at most 140 s here).
    for (int i = 0; i < 135; ++i) {
        std::this_thread::sleep_for(1s);
    }
    EXPECT_EQ(monitor.interrupt(), 0) << slurp(log);
    EXPECT_FALSE(slurp(result).empty()) << "the leak never ran dry";

    std::filesystem::create_directories(PORTWATCH_ARTEFACTS_DIR);
    const std::string html = std::string(PORTWATCH_ARTEFACTS_DIR) + "/report-lab.html";
    const std::string png = std::string(PORTWATCH_ARTEFACTS_DIR) + "/report-lab.png";
    auto r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--from-history", "--db", db, "-o", html});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string doc = slurp(html);
    EXPECT_NE(doc.find("pwleak"), std::string::npos) << "the leak is not among the culprits";
    EXPECT_TRUE(doc.find(">EXHAUSTED<") != std::string::npos ||
                doc.find(">CRITICAL<") != std::string::npos)
        << doc.substr(0, 4000);

    auto page = portwatch::testing::open_in_chromium(html, png);
    ASSERT_TRUE(page.ran) << page.log;
    EXPECT_NE(page.dom.find("id=\"verdict-badge\""), std::string::npos);
    EXPECT_NE(page.dom.find("<svg class=\"chart\" id=\"chart-pools\""), std::string::npos);
    EXPECT_NE(page.dom.find("<polyline"), std::string::npos) << "no line: fewer than two minutes";
    EXPECT_NE(page.dom.find("id=\"culprit-table\""), std::string::npos);
    EXPECT_EQ(page.console_errors, "");
    ASSERT_TRUE(std::filesystem::exists(png));
    EXPECT_GT(std::filesystem::file_size(png), 30'000u);
    std::cout << "[ report ] lab report: " << html << "\n[ report ] screenshot: " << png << "\n";
    std::filesystem::remove_all(dir);
}

}  // namespace
