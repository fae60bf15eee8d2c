// The binary as a user meets it: exit codes, help, errors, and output a hostile process name
// cannot corrupt.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"

namespace {

using portwatch::testing::require_root;
using sh_result = portwatch::testing::CommandResult;

sh_result sh(const std::string& command_line) {
    return portwatch::testing::run_shell(command_line);
}

const std::string kBin = PORTWATCH_BINARY;

// The exporter's HTTP server is a module beside the binary (portwatch-http.so): found there,
// it serves; a binary copied away from it fails with the paths it tried, and no other command
// needs it.
TEST(CliGolden, ExporterLoadsItsHttpModule) {
    auto served = sh(kBin + " exporter --listen 127.0.0.1:0 --duration 1s");
    EXPECT_EQ(served.code, 0) << served.err;
    EXPECT_NE(served.err.find("portwatch exporter: serving http://127.0.0.1:"), std::string::npos)
        << served.err;
    auto made = sh("d=$(mktemp -d) && cp " + kBin + " \"$d/portwatch\" && echo \"$d\"");
    ASSERT_EQ(made.code, 0) << made.err;
    const std::string lone = made.out.substr(0, made.out.find('\n')) + "/portwatch";
    auto missing = sh(lone + " exporter --listen 127.0.0.1:0 --duration 1s");
    EXPECT_EQ(missing.code, 1);
    EXPECT_TRUE(missing.out.empty());
    EXPECT_NE(missing.err.find("portwatch: exporter: cannot load its HTTP server module ("),
              std::string::npos)
        << missing.err;
    EXPECT_NE(missing.err.find("portwatch-http.so"), std::string::npos) << missing.err;
    EXPECT_EQ(sh(lone + " --version").code, 0);
    sh("rm -rf \"$(dirname " + lone + ")\"");
}

TEST(CliGolden, NoCommandIsAUsageError) {
    auto r = sh(kBin);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("snapshot"), std::string::npos) << r.err;
}

// The version, the commit built (a commit of this checkout; "unknown" without git is
// version_without_git's case) and the optional parts, as the build configured them.
TEST(CliGolden, Version) {
    auto r = sh(kBin + " --version");
    EXPECT_EQ(r.code, 0);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(
        r.out, m,
        std::regex("portwatch " PORTWATCH_VERSION "\ncommit: ([0-9a-f]{40}|unknown \\(not built "
                   "from a git checkout\\))(, with uncommitted changes)?\nfeatures:(( "
                   "[+-][a-z0-9]+)+)\n")))
        << r.out;
    EXPECT_NE(m[3].str().find(PORTWATCH_HAVE_BPF_BUILT ? "+bpf" : "-bpf"), std::string::npos);
    const std::string commit = m[1];
    if (sh("git -C " PORTWATCH_SOURCE_DIR " rev-parse --show-toplevel").code == 0 &&
        commit != "unknown (not built from a git checkout)") {
        EXPECT_EQ(sh("git -C " PORTWATCH_SOURCE_DIR " cat-file -e " + commit + "^{commit}").code, 0)
            << commit << " is not a commit of this checkout";
    }
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
    // The ',' in the name is \x2c: the Process column separates owners with commas.
    EXPECT_NE(table.out.find("x\\x1b[2J\\n\\x2c\"\\xff"), std::string::npos) << table.out;
    EXPECT_EQ(lines(table.out), sockets + 1);  // header + one line per socket
    EXPECT_EQ(csv.code, 0);
    EXPECT_EQ(lines(csv.out), sockets + 1);
    EXPECT_NE(csv.out.find("\"x\\x1b[2J\\n,\"\"\\xff\""), std::string::npos) << csv.out;
    EXPECT_EQ(json.code, 0);
    auto doc = nlohmann::json::parse(json.out);  // throws on invalid JSON or UTF-8
    EXPECT_EQ(doc["sockets"].size(), sockets);
    EXPECT_EQ(doc["processes"][0]["name"].get<std::string>(), "x\x1b[2J\n,\"\xef\xbf\xbd");
}

std::string fixture(const std::string& name) {
    return std::string(PORTWATCH_SOURCE_DIR) + "/tests/fixtures/" + name;
}

// A file removed when the test ends.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text)
        : path("/tmp/pwcli-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) +
               ".txt") {
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

// An ss -tanp capture of `rows` connections, each its own process (a big --sockets output).
std::string ss_capture(int rows, const std::string& name = "client") {
    std::string text = "State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n";
    for (int i = 0; i < rows; ++i) {
        text += "ESTAB  0 0 10.0.0.1:" + std::to_string(20000 + i % 40000) +
                " 10.0.0.2:443 users:((\"" + name + "\",pid=" + std::to_string(1000 + i) +
                ",fd=3))\n";
    }
    return text;
}

// Class 4 of issue #8: a write error is an error, with a message and the documented code.
// snapshot, --help and --version: 1; the checks (diagnose, analyze) and lab: 3 (UNKNOWN).
struct WriteCase {
    std::string args;
    int code;
};

std::vector<WriteCase> write_cases() {
    return {{"snapshot --owners=none", 1},
            {"snapshot --json --owners=none", 1},
            {"diagnose --owners=none", 3},
            {"diagnose --json --owners=none", 3},
            {"analyze " + fixture("capture/linux-ss-tanp.txt"), 3},
            {"analyze --sockets --csv " + fixture("capture/linux-ss-tanp.txt"), 3},
            {"--version", 1},
            {"--help", 1},
            {"snapshot --help", 1},
            {"lab --list", 3}};
}

TEST(CliGolden, WriteErrorIsAnError) {
    for (const auto& c : write_cases()) {
        auto r = sh(kBin + " " + c.args + " >/dev/full");
        EXPECT_EQ(r.code, c.code) << c.args;
        EXPECT_NE(r.err.find("portwatch: write error: No space left on device\n"),
                  std::string::npos)
            << c.args << ": " << r.err;
    }
}

TEST(CliGolden, ClosedStdoutIsAWriteError) {
    for (const auto& c : write_cases()) {
        auto r = sh(kBin + " " + c.args + " >&-");
        EXPECT_EQ(r.code, c.code) << c.args;
        EXPECT_NE(r.err.find("portwatch: write error: Bad file descriptor\n"), std::string::npos)
            << c.args << ": " << r.err;
    }
}

// `| head -1`: the reader leaves early. Killed by SIGPIPE (the default) or, where SIGPIPE is
// ignored, told EPIPE: either way nothing on stderr.
TEST(CliGolden, ClosedPipeIsQuiet) {
    TempFile capture(ss_capture(20000));
    TempFile err(""), code("");
    const std::string run =
        kBin + " analyze --sockets " + capture.path + " 2>" + err.path + "; echo $? >" + code.path;
    for (const std::string& prefix : {std::string(), std::string("trap '' PIPE; ")}) {
        auto r = sh("(" + prefix + run + ") | head -1");
        EXPECT_EQ(r.out.rfind("Proto", 0), 0u) << r.out;
        std::ifstream e(err.path), c(code.path);
        std::string err_text((std::istreambuf_iterator<char>(e)), {});
        int status = -1;
        c >> status;
        EXPECT_EQ(err_text, "") << prefix;
        EXPECT_EQ(status, prefix.empty() ? 128 + SIGPIPE : 3) << prefix;
    }
}

TEST(CliGolden, UsageErrorIsOneLinePlusAPointerToHelp) {
    auto r = sh(kBin + " snapshot --state FROZEN");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err,
              "portwatch: unknown state 'FROZEN' (try LISTEN, ESTABLISHED, TIME_WAIT, CLOSE_WAIT, "
              "...)\nRun `portwatch snapshot --help` for usage.\n");
    auto unknown = sh(kBin + " snapshto");
    EXPECT_EQ(unknown.code, 2);
    EXPECT_EQ(unknown.err.rfind("portwatch: unknown command 'snapshto'", 0), 0u) << unknown.err;
    auto empty = sh(kBin + " snapshot --netns ''");
    EXPECT_EQ(empty.code, 2);
    EXPECT_EQ(empty.err,
              "portwatch: --netns: empty value\nRun `portwatch snapshot --help` for usage.\n");
    auto wrap = sh(kBin + " analyze --max-sockets -1 " + fixture("capture/linux-ss-tanp.txt"));
    EXPECT_EQ(wrap.code, 3);
    EXPECT_TRUE(wrap.out.empty());
    EXPECT_NE(wrap.err.find("--max-sockets: expected a whole number"), std::string::npos)
        << wrap.err;
}

TEST(CliGolden, AnalyzeOfADirectorySaysSo) {
    auto r = sh(kBin + " analyze " PORTWATCH_SOURCE_DIR "/tests/fixtures");
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.err,
              "portwatch: cannot read " PORTWATCH_SOURCE_DIR "/tests/fixtures: Is a directory\n");
}

// Class 6: names from a capture reach the table, CSV and stderr safely, JSON exactly.
TEST(CliGolden, HostileNamesInACapture) {
    // A right-to-left override, a formula, the CSV owner separator and a backslash.
    const std::string name = "=1+2\u202egnp.exe;x\\x1b";
    TempFile capture(ss_capture(1, name));
    auto table = sh(kBin + " analyze --sockets " + capture.path);
    auto csv = sh(kBin + " analyze --sockets --csv " + capture.path);
    auto json = sh(kBin + " analyze --sockets --json " + capture.path);
    EXPECT_EQ(table.code, 0) << table.err;
    EXPECT_EQ(table.out.find("\u202e"), std::string::npos);
    EXPECT_NE(table.out.find("=1+2\\u202egnp.exe;x\\\\x1b"), std::string::npos) << table.out;
    EXPECT_EQ(csv.code, 0) << csv.err;
    EXPECT_NE(csv.out.find(",1000,\"'=1+2\\u202egnp.exe\\x3bx\\\\x1b\","), std::string::npos)
        << csv.out;
    EXPECT_EQ(json.code, 0) << json.err;
    auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["processes"][0]["name"].get<std::string>(), name);
    // Echoed back on stderr: escaped too.
    auto bad = sh(kBin + " analyze --os \"$(printf 'x\\342\\200\\256y')\" " + capture.path);
    EXPECT_EQ(bad.code, 3);
    EXPECT_EQ(bad.err.find("\u202e"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("got 'x\\u202ey'"), std::string::npos) << bad.err;
}

// Class 7: /proc mounted hidepid=invisible hides other users' pids from an unprivileged run.
// In a private mount namespace (the host's /proc is untouched) as nobody.
TEST(CliGolden, HiddenProcessesAreNotSilent) {
    if (!require_root("the hidepid test (it mounts /proc in a private mount namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    const std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    auto hidden =
        sh("unshare -m --propagation private sh -c 'mount -t proc -o hidepid=2 proc "
           "/proc && " +
           as_nobody + kBin + " snapshot --owners=proc'");
    EXPECT_EQ(hidden.code, 0) << hidden.err;
    EXPECT_NE(hidden.err.find("portwatch: warning: /proc is mounted hidepid=invisible: other "
                              "users' processes are hidden (not root: sockets of other users' "
                              "processes show no owner)"),
              std::string::npos)
        << hidden.err;
    auto report =
        sh("unshare -m --propagation private sh -c 'mount -t proc -o hidepid=2 proc "
           "/proc && " +
           as_nobody + kBin + " diagnose --owners=proc'");
    EXPECT_NE(report.out.find("hidepid=invisible"), std::string::npos) << report.out;
    // Members of the mount's gid= group see everything: no warning.
    auto group =
        sh("unshare -m --propagation private sh -c 'mount -t proc -o hidepid=2,gid=65534 "
           "proc /proc && " +
           as_nobody + kBin + " snapshot --owners=proc'");
    EXPECT_EQ(group.err.find("hidepid"), std::string::npos) << group.err;
    // The ordinary /proc: no such warning.
    auto plain = sh(as_nobody + kBin + " snapshot --owners=proc");
    EXPECT_EQ(plain.err.find("hidepid"), std::string::npos) << plain.err;
}

}  // namespace
