// Without the privileges eBPF needs, `--owners=bpf` fails with the reason and `--owners=auto`
// (the default) falls back to /proc, saying why in the snapshot's warnings.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "holders.h"

namespace {

struct Outcome {
    int code = -1;
    std::string out;
    std::string err;
};

Outcome run_shell(const std::string& command) {
    Outcome outcome;
    int out[2];
    int err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) {
        return outcome;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        ::close(out[0]);
        ::close(err[0]);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    char buf[65536];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) {
        outcome.out.append(buf, static_cast<std::size_t>(n));
    }
    for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) {
        outcome.err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
        outcome.code = WEXITSTATUS(status);
    }
    return outcome;
}

bool has_warning(const nlohmann::json& snapshot, const std::string& text) {
    for (const auto& warning : snapshot.at("warnings")) {
        if (warning.get<std::string>().find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

void expect_refusal_and_fallback(const std::string& as, const std::string& reason) {
    const std::string bin = PORTWATCH_BINARY;
    auto refused = run_shell(as + bin + " snapshot --owners=bpf --tcp");
    EXPECT_EQ(refused.code, 1);
    EXPECT_TRUE(refused.out.empty()) << refused.out;
    EXPECT_NE(refused.err.find("eBPF owner pass (--owners=bpf) unavailable: " + reason),
              std::string::npos)
        << refused.err;
    EXPECT_EQ(refused.err.find("libbpf"), std::string::npos) << "libbpf noise: " << refused.err;

    auto fallback = run_shell(as + bin + " snapshot --owners=auto --tcp --json");
    EXPECT_EQ(fallback.code, 0) << fallback.err;
    auto json = nlohmann::json::parse(fallback.out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << fallback.out;
    EXPECT_EQ(json.at("source").at("owners"), "proc");
    EXPECT_TRUE(has_warning(json, "eBPF owner pass unavailable (" + reason)) << json.at("warnings");
}

TEST(BpfFallback, NonRootIsToldWhyAndAutoReadsProc) {
    if (!portwatch::testing::require_root("running portwatch as nobody")) {
        GTEST_SKIP() << "needs root to switch to nobody";
    }
    expect_refusal_and_fallback("setpriv --reuid=65534 --regid=65534 --clear-groups ",
                                "needs root (CAP_BPF and CAP_PERFMON)");
}

TEST(BpfFallback, RootWithoutBpfCapabilitiesIsToldWhich) {
    if (!portwatch::testing::require_root("dropping capabilities")) {
        GTEST_SKIP() << "needs root to drop capabilities";
    }
    expect_refusal_and_fallback("setpriv --inh-caps=-all --bounding-set=-sys_admin,-bpf,-perfmon ",
                                "needs CAP_BPF and CAP_PERFMON, which this root process lacks");
}

}  // namespace
