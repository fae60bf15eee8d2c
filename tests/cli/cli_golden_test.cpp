// The binary as a user meets it: exit codes, help, errors, and output a hostile process name
// cannot corrupt.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/process.h"

namespace {

using portwatch::testing::require_root;
using sh_result = portwatch::testing::CommandResult;

sh_result sh(const std::string& command_line) {
    return portwatch::testing::run_shell(command_line);
}

const std::string kBin = PORTWATCH_BINARY;

TEST(CliGolden, NoCommandIsAUsageError) {
    auto r = sh(kBin);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("snapshot"), std::string::npos) << r.err;
}

TEST(CliGolden, Version) {
    auto r = sh(kBin + " --version");
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "portwatch 0.1.0\n");
}

TEST(CliGolden, SnapshotHelpHasUsageOptionsExamples) {
    auto r = sh(kBin + " snapshot --help");
    EXPECT_EQ(r.code, 0);
    for (const char* part : {"Usage:", "Options:", "EXAMPLES:", "--json", "--netns", "--owners"}) {
        EXPECT_NE(r.out.find(part), std::string::npos) << part;
    }
}

TEST(CliGolden, BadStateNamesTheArgument) {
    auto r = sh(kBin + " snapshot --state FROZEN");
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(r.err.rfind("portwatch: unknown state 'FROZEN'", 0), 0u) << r.err;
}

TEST(CliGolden, UnknownOptionIsAUsageError) {
    auto r = sh(kBin + " snapshot --frobnicate");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.err;
}

TEST(CliGolden, MissingNamespaceIsARuntimeError) {
    auto r = sh(kBin + " snapshot --netns pw-no-such-namespace");
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("network namespace 'pw-no-such-namespace'"), std::string::npos) << r.err;
}

TEST(CliGolden, NonRootRunSaysWhatItCouldNotSee) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "runs portwatch as nobody from root";
    }
    auto r = sh("setpriv --reuid=65534 --regid=65534 --clear-groups " + kBin + " snapshot");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.err.find("denied access to their file descriptors (not root: sockets of other "
                         "users' processes show no owner)"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out.rfind("Proto  Local Address", 0), 0u);
}

TEST(CliGolden, HostileProcessNameCannotCorruptOutput) {
    if (!require_root("the hostile-name test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    const std::string ns = "pwcli-" + std::to_string(::getpid());
    const std::string ready = "/tmp/" + ns + ".ready";
    ASSERT_EQ(sh("ip netns add " + ns + " && ip -n " + ns + " link set lo up").code, 0);
    // comm: ESC [2J (clear screen), a newline, a comma, a quote, and a byte that is not UTF-8.
    std::string start = "SOCKFARM_COMM=\"$(printf 'x\\033[2J\\n,\\042\\377')\" ip netns exec " +
                        ns + " " PORTWATCH_TOOLS_DIR "/sockfarm " + ready + " 30 >/dev/null 2>&1 &";
    sh(start);
    for (int i = 0; i < 100 && ::access(ready.c_str(), F_OK) != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    bool ok = ::access(ready.c_str(), F_OK) == 0;
    auto table = sh(kBin + " snapshot --netns " + ns + " --owners=proc");
    auto csv = sh(kBin + " snapshot --netns " + ns + " --owners=proc --csv");
    auto json = sh(kBin + " snapshot --netns " + ns + " --owners=proc --json");
    auto count = sh("ip netns exec " + ns + " ss -tuanH | wc -l");
    sh("ip netns pids " + ns + " | xargs -r kill; sleep 0.2; ip netns del " + ns + "; rm -f " +
       ready);
    ASSERT_TRUE(ok) << "sockfarm did not start";

    const std::size_t sockets = std::stoul(count.out) + 1;  // + the bound-only socket ss omits
    auto lines = [](const std::string& s) {
        return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
    };
    EXPECT_EQ(table.code, 0);
    EXPECT_EQ(table.out.find('\x1b'), std::string::npos) << "raw ESC reached the terminal";
    EXPECT_EQ(table.out.find('\xff'), std::string::npos);
    EXPECT_NE(table.out.find("x\\x1b[2J\\n,\"\\xff"), std::string::npos) << table.out;
    EXPECT_EQ(lines(table.out), sockets + 1);  // header + one line per socket
    EXPECT_EQ(csv.code, 0);
    EXPECT_EQ(lines(csv.out), sockets + 1);
    EXPECT_NE(csv.out.find("\"x\\x1b[2J\\n,\"\"\\xff\""), std::string::npos) << csv.out;
    EXPECT_EQ(json.code, 0);
    auto doc = nlohmann::json::parse(json.out);  // throws on invalid JSON or UTF-8
    EXPECT_EQ(doc["sockets"].size(), sockets);
    EXPECT_EQ(doc["processes"][0]["name"].get<std::string>(), "x\x1b[2J\n,\"\xef\xbf\xbd");
}

}  // namespace
