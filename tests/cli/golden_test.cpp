// Whole outputs of the binary compared with files under tests/golden/: help texts, the lab
// list, and what analyze says (text, JSON, CSV) on the capture fixtures. Only commands whose
// output does not depend on this host or on the time of the run (captures get --at or carry
// '# taken at' lines).
//
// Regenerate after an intended change, then review the diff:
//   PORTWATCH_UPDATE_GOLDEN=1 ctest --test-dir build/release -R Golden
//   git diff tests/golden/

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace {

struct Case {
    const char* name;  // tests/golden/<name>.out
    std::vector<std::string> args;
    int exit_code;
};

const std::string kSource = PORTWATCH_SOURCE_DIR;
// Relative to the source tree, where the commands run: a path in the output (analyze names
// its files) then has the same length in every clone, and so wraps the same.
const std::string kFixtures = "tests/fixtures/capture/";
const char* kAt = "--at=2026-11-25T08:00:00Z";

std::vector<Case> cases() {
    return {
        {"help", {"--help"}, 0},
        {"snapshot-help", {"snapshot", "--help"}, 0},
        {"diagnose-help", {"diagnose", "--help"}, 0},
        {"analyze-help", {"analyze", "--help"}, 0},
        {"lab-help", {"lab", "--help"}, 0},
        {"history-help", {"history", "--help"}, 0},
        {"report-help", {"report", "--help"}, 0},
        {"top-help", {"top", "--help"}, 0},
        {"lab-list", {"lab", "--list"}, 0},
        {"analyze-windows-anobq", {"analyze", kFixtures + "windows-en-anobq.txt", kAt}, -1},
        {"analyze-windows-anobq-json",
         {"analyze", "--json", kFixtures + "windows-en-anobq.txt", kAt},
         -1},
        {"analyze-ss-tanp", {"analyze", kFixtures + "linux-ss-tanp.txt", kAt}, -1},
        {"analyze-netstat-tanp-json",
         {"analyze", "--json", kFixtures + "linux-netstat-tanp.txt", kAt},
         -1},
        {"analyze-trend", {"analyze", kFixtures + "windows-ano-trend.txt"}, -1},
        {"analyze-sockets-csv",
         {"analyze", "--sockets", "--csv", kFixtures + "linux-ss-tuanp.txt", kAt},
         0},
    };
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Golden files keep paths relative to the source tree, so they do not depend on the clone.
std::string relative_paths(std::string text) {
    const std::string prefix = kSource + "/";
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
        text.erase(at, prefix.size());
    }
    return text;
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, OutputMatches) {
    const Case& c = GetParam();
    std::vector<std::string> argv{"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", kSource,
                                  PORTWATCH_BINARY};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = portwatch::testing::run_argv(argv);
    std::string out = relative_paths(r.out);
    std::string golden = kSource + "/tests/golden/" + c.name + ".out";
    // The exit status is part of the output: first line of the file.
    std::string actual = "# exit " + std::to_string(r.code) + "\n" + out;
    if (std::getenv("PORTWATCH_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(golden, std::ios::binary) << actual;
        GTEST_SKIP() << "wrote " << golden;
    }
    if (c.exit_code >= 0) {
        EXPECT_EQ(r.code, c.exit_code) << r.err;
    }
    std::string expected = read_all(golden);
    ASSERT_FALSE(expected.empty()) << golden << " is missing; see the top of " << __FILE__;
    if (actual != expected) {
        std::string tmp = ::testing::TempDir() + "/" + c.name + ".actual";
        std::ofstream(tmp, std::ios::binary) << actual;
        auto diff = portwatch::testing::run_argv({"diff", "-u", golden, tmp});
        ADD_FAILURE() << c.name << ": output differs from " << golden << ":\n"
                      << diff.out.substr(0, 6000);
    }
}

INSTANTIATE_TEST_SUITE_P(Cli, Golden, ::testing::ValuesIn(cases()), [](const auto& info) {
    std::string n = info.param.name;
    for (char& ch : n) {
        if (ch == '-')
            ch = '_';
    }
    return n;
});

}  // namespace
