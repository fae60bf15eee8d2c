// The binary end to end: `portwatch lab` and `portwatch diagnose`, their JSON and exit codes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"

namespace {

// portwatch with these arguments; stderr is not looked at.
portwatch::testing::CommandResult run(const std::string& args) {
    return portwatch::testing::run_shell(std::string(PORTWATCH_BINARY) + " " + args);
}

using portwatch::testing::require_root;

TEST(DiagnoseCli, LabChurnTellsANewUserWhatHappened) {
    if (!require_root("labs (they create network namespaces)"))
        GTEST_SKIP() << "needs root";
    auto r = run("lab churn");
    EXPECT_EQ(r.code, 2) << r.out;  // Nagios CRITICAL: the pool is exhausted
    for (const char* words :
         {"What happened: pwlab-churn", "EADDRNOTAVAIL", "EXHAUSTED", "time-wait-churn",
          "Culprit: pwlab-churn", "Server:  pwlab-server", "Remedy:", "keep-alive"}) {
        EXPECT_NE(r.out.find(words), std::string::npos) << words << "\n" << r.out;
    }
    std::size_t start = 0;
    while (start < r.out.size()) {  // readable in 80 columns
        std::size_t end = r.out.find('\n', start);
        if (end == std::string::npos)
            end = r.out.size();
        EXPECT_LE(end - start, 80u) << r.out.substr(start, end - start);
        start = end + 1;
    }
}

TEST(DiagnoseCli, LabDeadBackendSaysMechanismRemedyAndWhatFails) {
    if (!require_root("labs (they create network namespaces)"))
        GTEST_SKIP() << "needs root";
    auto r = run("lab dead-backend");
    EXPECT_EQ(r.code, 2) << r.out;
    std::string flat;  // word-wrapping undone
    for (std::size_t i = 0; i < r.out.size(); ++i) {
        if (r.out[i] != '\n') {
            flat += r.out[i];
            continue;
        }
        flat += ' ';
        while (i + 1 < r.out.size() && r.out[i + 1] == ' ')
            ++i;
    }
    for (const char* words :
         {"What happened: pwlab-dialer", "EADDRNOTAVAIL",
          "EXHAUSTED: No port left for connections from 127.0.0.1 to 192.0.2.10:5432",
          "Cause: a dead or filtered backend (connects stuck in SYN_SENT, never answered)",
          "Failing now: new connections from 127.0.0.1 to 192.0.2.10:5432 (PostgreSQL)",
          "Finding 1 of 1: EXHAUSTED, dead-backend", "Culprit: pwlab-dialer", "connect timeout",
          "health checks", "exponential backoff"}) {
        EXPECT_NE(flat.find(words), std::string::npos) << words << "\n" << r.out;
    }
    EXPECT_EQ(r.out.find("hoarding"), std::string::npos) << r.out;

    auto j = run("lab dead-backend --json");
    auto doc = nlohmann::json::parse(j.out);
    const auto& report = doc["reports"][0];
    EXPECT_EQ(report["findings"][0]["mechanism"], "dead-backend");
    EXPECT_EQ(report["breaks"]["scope"], "destinations");
    EXPECT_EQ(report["breaks"]["destinations"][0]["service"], "PostgreSQL");
    EXPECT_EQ(report["breaks"]["now"], true);
}

TEST(DiagnoseCli, LabJsonIsTheDiagnoseDocument) {
    if (!require_root("labs (they create network namespaces)"))
        GTEST_SKIP() << "needs root";
    auto r = run("lab udp-leak --json");
    EXPECT_EQ(r.code, 2);
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema"], "portwatch.diagnose/1");
    EXPECT_EQ(doc["verdict"], "EXHAUSTED");
    const auto& report = doc["reports"][0];
    const auto& finding = report["findings"][0];
    EXPECT_EQ(finding["mechanism"], "udp-leak");
    EXPECT_EQ(finding["culprits"][0]["name"], "pwlab-resolver");
    const auto& pool = report["pools"][finding["pool"].get<std::size_t>()];
    EXPECT_EQ(pool["kind"], "udp-local");
    EXPECT_EQ(pool["free"], 0);
    EXPECT_EQ(report["range"]["low"], 40000);
}

// Issue #7: what a new user reads when another process's ports, or the reserved ports, make
// the kernel refuse a client's connect(): the headline, the exit code and the named cause.
TEST(DiagnoseCli, LabsWhereTheCauseIsNotTheRefusedClient) {
    if (!require_root("labs (they create network namespaces)"))
        GTEST_SKIP() << "needs root";
    struct Expect {
        const char* pattern;
        std::vector<const char*> words;
    };
    for (const Expect& e : std::vector<Expect>{
             {"listeners-in-range",
              {"EXHAUSTED: No port left for connections from 127.0.0.1 to 127.0.0.1:9000",
               "listeners-in-range", "Culprit: pwlab-listener (pid",
               "180 ports bound (90% of the range)", "Client:  pwlab-client (pid"}},
             {"proxy-bind",
              {"EXHAUSTED: No port left for connections from 127.0.0.1 to 127.0.0.1:9001",
               "bind-before-connect", "Culprit: pwlab-proxy (pid",
               "140 ports bound (70% of the range)", "Client:  pwlab-client (pid",
               "IP_BIND_ADDRESS_NO_PORT"}},
             {"reserved",
              {"EXHAUSTED: No port left for connections from 127.0.0.1 to 127.0.0.1:9000",
               "reserved-range", "(net.ipv4.ip_local_reserved_ports)", "Client:  pwlab-client (pid",
               "40000-40159"}},
         }) {
        auto r = run(std::string("lab ") + e.pattern);
        EXPECT_EQ(r.code, 2) << e.pattern << "\n" << r.out;  // Nagios CRITICAL
        for (const char* words : e.words) {
            EXPECT_NE(r.out.find(words), std::string::npos) << words << "\n" << r.out;
        }
        EXPECT_EQ(r.out.find("hoarding"), std::string::npos) << r.out;
        EXPECT_EQ(r.out.find("WARNING: "), std::string::npos) << r.out;
    }
    auto json = run("lab proxy-bind --json");
    EXPECT_EQ(json.code, 2);
    auto doc = nlohmann::json::parse(json.out);
    const auto& finding = doc["reports"][0]["findings"][0];
    EXPECT_EQ(finding["mechanism"], "bind-before-connect");
    EXPECT_EQ(finding["culprits"][0]["name"], "pwlab-proxy");
    EXPECT_EQ(finding["culprits"][0]["ports"], 140);
    EXPECT_EQ(finding["clients"][0]["name"], "pwlab-client");
}

TEST(DiagnoseCli, EveryNamespaceAsJson) {
    if (!require_root("labs (they create network namespaces)"))
        GTEST_SKIP() << "needs root";
    auto r = run("diagnose --netns all --json");
    EXPECT_GE(r.code, 0);
    EXPECT_LE(r.code, 2);
    auto doc = nlohmann::json::parse(r.out);
    ASSERT_GE(doc["reports"].size(), 1u);
    for (const auto& report : doc["reports"]) {
        EXPECT_TRUE(report.contains("checked"));
        EXPECT_TRUE(report["verdict"].is_string());
    }
}

TEST(DiagnoseCli, BadThresholdsAreUnknownForMonitoring) {
    auto r = run("diagnose --warning 95 --critical 90");
    EXPECT_EQ(r.code, 3);  // Nagios UNKNOWN: a misconfigured check must not read as CRITICAL
    EXPECT_EQ(run("diagnose --no-such-option").code, 3);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(run("lab no-such-pattern").code, 2);
    auto list = run("lab --list");
    EXPECT_EQ(list.code, 0);
    EXPECT_NE(list.out.find("bind-before-connect"), std::string::npos);
    EXPECT_NE(list.out.find("dead-backend"), std::string::npos);
    for (const char* pattern : {"listeners-in-range", "proxy-bind", "reserved"}) {
        EXPECT_NE(list.out.find(pattern), std::string::npos) << pattern;
    }
}

TEST(DiagnoseCli, UnreadableNamespaceIsUnknown) {
    auto r = run("diagnose --netns /nonexistent/netns");
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.out.find("UNKNOWN"), std::string::npos);
}

}  // namespace
