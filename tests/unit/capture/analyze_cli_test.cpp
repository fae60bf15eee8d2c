// `portwatch analyze` end to end: the binary on the fixtures, its output and Nagios exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/process.h"

namespace {

std::string fixture(const std::string& name) {
    return std::string(PORTWATCH_SOURCE_DIR) + "/tests/fixtures/" + name;
}

// portwatch analyze with these arguments, stdout and stderr apart.
portwatch::testing::CommandResult analyze(const std::string& args) {
    return portwatch::testing::run_shell(std::string(PORTWATCH_BINARY) + " analyze " + args);
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// The text with its word-wrapping undone (a newline and the indentation after it: one space).
std::string unwrapped(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n') {
            out += text[i];
            continue;
        }
        out += ' ';
        while (i + 1 < text.size() && text[i + 1] == ' ')
            ++i;
    }
    return out;
}

TEST(AnalyzeCli, GermanUtf16AnobqIsCriticalWithTheCulprit) {
    auto r = analyze(fixture("capture/windows-de-anobq-utf16le.txt"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.out.starts_with("CRITICAL")) << r.out;
    EXPECT_TRUE(contains(r.out, "w3wp.exe (pid 5120)")) << r.out;
    EXPECT_TRUE(contains(r.out, "4222 sockets")) << r.out;
    EXPECT_TRUE(contains(r.out, "netsh int ipv4 show dynamicport tcp")) << r.out;
    EXPECT_TRUE(contains(r.out, "inferred")) << r.out;
}

TEST(AnalyzeCli, RangeOptionOverridesNetsh) {
    auto r = analyze("--range 49152-65535 " + fixture("capture/windows-de-anobq-utf16le.txt"));
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_TRUE(r.out.starts_with("OK")) << r.out;
    EXPECT_TRUE(contains(r.out, "--range")) << r.out;
}

TEST(AnalyzeCli, NetshInASeparateFile) {
    auto r = analyze(fixture("capture/windows-en-ano-findstr.txt") + " " +
                     fixture("capture/netsh-dynamicport-tcp.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "netsh-dynamicport-tcp.txt:5")) << r.out;
}

TEST(AnalyzeCli, OsPreset) {
    auto r = analyze("--os 2003 " + fixture("capture/windows-en-anobq.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "1025-5000")) << r.out;
    // The Windows generation sets the TIME_WAIT length the report assumes.
    EXPECT_TRUE(contains(unwrapped(r.out), "TIME_WAIT lasts 240 s (2003 and earlier)")) << r.out;
    auto vista = analyze("--os vista+ " + fixture("capture/windows-en-anobq.txt"));
    EXPECT_TRUE(contains(unwrapped(vista.out), "TIME_WAIT lasts 120 s (Vista/2008 and later)"))
        << vista.out;
    auto unknown = analyze(fixture("capture/windows-en-ano-findstr.txt"));
    EXPECT_TRUE(
        contains(unwrapped(unknown.out), "TIME_WAIT lasts 120 s (assumed: Vista/2008 and later)"))
        << unknown.out;
    EXPECT_FALSE(contains(unknown.out, "tcp_tw_reuse")) << unknown.out;
}

TEST(AnalyzeCli, ElevationRefusal) {
    auto r = analyze(fixture("capture/windows-anob-not-elevated.txt"));
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(contains(r.err, "Run as administrator")) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(AnalyzeCli, MissingFileAndBadArguments) {
    auto missing = analyze("/nonexistent/netstat.txt");
    EXPECT_EQ(missing.code, 3);
    EXPECT_TRUE(contains(missing.err, "cannot open /nonexistent/netstat.txt")) << missing.err;
    // Bad arguments are Nagios UNKNOWN for this monitoring check.
    EXPECT_EQ(analyze("--range 5000-1025 x.txt").code, 3);
    EXPECT_EQ(analyze("--os beos x.txt").code, 3);
    EXPECT_EQ(analyze("--at 2026-11-25T08:00Z a.txt b.txt").code, 3);
    EXPECT_EQ(analyze("").code, 3);
}

TEST(AnalyzeCli, StandardInput) {
    auto r = analyze("- < " + fixture("capture/linux-ss-tanp.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "1202 sockets")) << r.out;
    EXPECT_TRUE(contains(r.out, "32768-60999")) << r.out;
}

TEST(AnalyzeCli, TrendAndForecast) {
    auto r = analyze(fixture("capture/windows-ano-trend.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Trend over 3 captures")) << r.out;
    EXPECT_TRUE(contains(r.out, "250 -> 850 of 16384 ports used, +1800 ports/hour")) << r.out;
    EXPECT_TRUE(contains(r.out, "no free port in about 8.6 h")) << r.out;
    EXPECT_TRUE(contains(r.out, "time from '# taken at' line")) << r.out;
    // --each: one report per capture, no trend.
    auto each = analyze("--each " + fixture("capture/windows-ano-trend.txt"));
    EXPECT_FALSE(contains(each.out, "Trend over")) << each.out;
}

TEST(AnalyzeCli, TimesFromAt) {
    auto r = analyze("--at 2026-11-25T08:00Z,2026-11-25T09:00Z " +
                     fixture("capture/windows-en-ano-findstr.txt") + " " +
                     fixture("capture/windows-en-anobq.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "(time from --at)")) << r.out;
}

TEST(AnalyzeCli, Json) {
    auto r = analyze("--json " + fixture("capture/windows-de-anobq-utf16le.txt"));
    EXPECT_EQ(r.code, 2);
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << r.out.substr(0, 400);
    EXPECT_EQ(doc["schema"], "portwatch.analyze/1");
    EXPECT_EQ(doc["captures"][0]["encoding"], "UTF-16LE");
    EXPECT_EQ(doc["captures"][0]["snapshots"][0]["sockets"], 4222);
    EXPECT_EQ(doc["captures"][0]["netsh_ranges"][0]["low"], 61000);
    EXPECT_TRUE(doc["trend"].is_null());
    EXPECT_EQ(doc["diagnose"]["schema"], "portwatch.diagnose/1");
    EXPECT_EQ(doc["diagnose"]["verdict"], "CRITICAL");

    auto t = analyze("--json " + fixture("capture/windows-ano-trend.txt"));
    auto trend = nlohmann::json::parse(t.out, nullptr, false);
    ASSERT_FALSE(trend.is_discarded());
    EXPECT_EQ(trend["trend"]["used_last"], 850);
    EXPECT_NEAR(trend["trend"]["hours_left"].get<double>(), 15534.0 / 1800.0, 0.01);
}

TEST(AnalyzeCli, SocketsMode) {
    auto r = analyze("--sockets --csv " + fixture("capture/windows-en-anobq.txt"));
    EXPECT_EQ(r.code, 0) << r.err;
    std::size_t lines = 0;
    for (char c : r.out) {
        lines += c == '\n';
    }
    EXPECT_EQ(lines, 1u + 16u);  // header + sockets
    EXPECT_TRUE(contains(r.out, "OneDrive.exe")) << r.out;
}

// Class 5 and 9: a Windows 2003 capture (told by its -v component chains) speaks Windows.
TEST(AnalyzeCli, Windows2003ChurnSpeaksWindowsAndSaysWhatBreaks) {
    auto r = analyze(fixture("capture/windows-2003-anbv-churn.txt"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.out.starts_with("EXHAUSTED")) << r.out;
    r.out = unwrapped(r.out);
    for (const char* words :
         {"No port left for TCP on any local address", "WSAENOBUFS", "Cause: TIME_WAIT churn",
          "beremote.exe (pid 2412)",
          "Failing now: every new outbound TCP connection from this host", "file shares (SMB)",
          "10.0.0.20:445 (SMB)", "(Kerberos)", "TIME_WAIT lasts 240 s", "TcpTimedWaitDelay",
          "netsh int ipv4 set dynamicport", "dynamic port range 1025-5000", "Tcpip event 4231"}) {
        EXPECT_TRUE(contains(r.out, words)) << words << "\n" << r.out;
    }
    for (const char* linux_words : {"tcp_tw_reuse", "net.ipv4", "sysctl", "bind-owned"}) {
        EXPECT_FALSE(contains(r.out, linux_words)) << linux_words << "\n" << r.out;
    }
    EXPECT_FALSE(contains(r.out, "Culprit: lsass.exe")) << r.out;  // 6 of 3976 ports
    EXPECT_FALSE(contains(r.out, "Server:")) << r.out;  // the file server is not this host
}

// Class 8: one pool, two processes, two mechanisms, each with its destinations and remedy.
TEST(AnalyzeCli, TwoCausesOfOnePoolAreToldApart) {
    auto r = analyze(fixture("capture/windows-en-anob-two-causes.txt"));
    EXPECT_EQ(r.code, 2) << r.err;
    auto headline = r.out.substr(0, r.out.find("\n\n"));
    for (const char* words :
         {"CRITICAL: 93% of the ports for TCP on any local address",
          "Two causes:", "TIME_WAIT churn by java.exe (pid 3344) to 10.1.2.3:5432 (PostgreSQL)",
          "a CLOSE_WAIT leak by node.exe (pid 5120) to 10.1.5.9:443 (HTTPS)",
          "Fails first: every new outbound TCP connection from this host"}) {
        EXPECT_TRUE(contains(unwrapped(headline), words)) << words << "\n" << headline;
    }
    EXPECT_TRUE(
        contains(r.out, "Finding 1 of 2: CRITICAL, time-wait-churn (cause 1 of 2 of one pool)"));
    EXPECT_TRUE(
        contains(r.out, "Finding 2 of 2: CRITICAL, close-wait-leak (cause 2 of 2 of one pool)"));
    EXPECT_TRUE(contains(r.out, "Make java.exe reuse connections")) << r.out;
    EXPECT_TRUE(contains(r.out, "node.exe does not close sockets")) << r.out;
    for (const char* small : {"Culprit: lsass.exe", "Culprit: svchost.exe", "Culprit: System"}) {
        EXPECT_FALSE(contains(r.out, small)) << small;
    }
    EXPECT_TRUE(contains(r.out, "TIME_WAIT lasts 120 s")) << r.out;

    auto j = analyze("--json " + fixture("capture/windows-en-anob-two-causes.txt"));
    auto doc = nlohmann::json::parse(j.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded());
    const auto& report = doc["diagnose"]["reports"][0];
    ASSERT_EQ(report["findings"].size(), 2u);
    EXPECT_EQ(report["findings"][0]["culprits"].size(), 1u);
    EXPECT_EQ(report["findings"][1]["culprits"][0]["name"], "node.exe");
    EXPECT_EQ(report["findings"][1]["destinations"][0]["address"], "10.1.5.9");
    EXPECT_EQ(report["findings"][1]["cause"], 2);
    EXPECT_TRUE(report["tcp_tw_reuse"].is_null());
    EXPECT_EQ(report["windows_generation"], "vista-and-later");
    EXPECT_EQ(report["breaks"]["scope"], "host");
}

// Class 4 and 9 on a Linux capture: a Redis that never answers, PostgreSQL churn.
TEST(AnalyzeCli, DeadBackendAndChurnNameWhatFails) {
    auto r = analyze("--range 32768-33767 " + fixture("capture/linux-ss-tanp-dead-backend.txt"));
    EXPECT_EQ(r.code, 2) << r.err;
    std::string flat = unwrapped(r.out);
    for (const char* words :
         {"Fails first: new connections to 10.4.0.30:5432 (PostgreSQL) and 10.4.0.20:6379 (Redis); "
          "connections to other destinations are not affected.",
          "CRITICAL, dead-backend", "node (pid 4100) holds 980",
          "980 of 980 sockets are in SYN_SENT toward 10.4.0.20:6379", "connect timeout",
          "exponential backoff", "tcp_syn_retries", "CRITICAL, time-wait-churn"}) {
        EXPECT_TRUE(contains(flat, words)) << words << "\n" << r.out;
    }
    EXPECT_FALSE(contains(r.out, "hoarding")) << r.out;
}

// Issue #7: real `ss -tanp` captures of two labs. The client's pool is exhausted by ports
// another process holds; the verdict names that process, with its ports and share.
TEST(AnalyzeCli, PortsBoundByAnotherProcessAreTheNamedCause) {
    struct Case {
        const char* file;
        const char* mechanism;
        const char* culprit;
        const char* headline;
    };
    for (const Case& c : {
             Case{"capture/linux-ss-tanp-proxy-bind.txt", "bind-before-connect",
                  "Culprit: pwlab-proxy (pid 8893) holds 140 ports bound (70% of the range)",
                  "EXHAUSTED: No port left for connections from 127.0.0.1 to 127.0.0.1:9001"},
             Case{"capture/linux-ss-tanp-listeners-in-range.txt", "listeners-in-range",
                  "Culprit: pwlab-listener (pid 9169) holds 180 ports bound (90% of the range)",
                  "EXHAUSTED: No port left for connections from 127.0.0.1 to 127.0.0.1:9000"},
         }) {
        SCOPED_TRACE(c.file);
        auto r = analyze("--range 40000-40199 " + fixture(c.file));
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_TRUE(contains(r.out, c.headline)) << r.out;
        EXPECT_TRUE(contains(r.out, std::string("EXHAUSTED, ") + c.mechanism)) << r.out;
        EXPECT_TRUE(contains(r.out, c.culprit)) << r.out;
        EXPECT_TRUE(contains(r.out, "Client:  pwlab-client")) << r.out;
        EXPECT_FALSE(contains(r.out, "hoarding")) << r.out;
    }
}

TEST(AnalyzeCli, EverySharedFixtureIsOk) {
    for (const char* f :
         {"jc/windows_windows-10_netstat-aon.out", "jc/windows_windows-10_netstat-an.out",
          "jc/ubuntu-18.04_ss-sudo-tulpen.out", "jc/centos-7.7_ss-sudo-a.out",
          "jc/centos-7.7_netstat-sudo-aeep.out", "jc/ubuntu-18.04_netstat-sudo-aeep.out"}) {
        SCOPED_TRACE(f);
        auto r = analyze(fixture(f));
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_TRUE(r.out.starts_with("OK")) << r.out;
    }
}

nlohmann::json analyze_json(const std::string& args, int& code) {
    auto r = analyze("--json " + args);
    code = r.code;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out.substr(0, 400) << r.err;
    return doc;
}

// Issue #7 class 6: a Windows 2003 host on 1025-5000, judged by the range its ports show.
TEST(AnalyzeCli, OldWindowsRangeIsInferred) {
    auto r = analyze(fixture("capture/windows-2003-ano-1025-5000.txt"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.out.starts_with("CRITICAL")) << r.out;
    EXPECT_TRUE(contains(r.out, "outbound ports do not fit")) << r.out;
    EXPECT_TRUE(contains(r.out, "1025-5000")) << r.out;
    EXPECT_TRUE(contains(r.out, "inferred from the 3649 local ports of outbound")) << r.out;

    int code = 0;
    auto doc = analyze_json(fixture("capture/windows-2003-ano-1025-5000.txt"), code);
    EXPECT_EQ(code, 2);
    EXPECT_EQ(doc["captures"][0]["unrecognised_lines"], 0);
    const auto& range = doc["diagnose"]["reports"][0]["range"];
    EXPECT_EQ(range["source"], "inferred");
    EXPECT_EQ(range["low"], 1025);
    EXPECT_EQ(range["high"], 5000);
    EXPECT_EQ(range["inferred"]["assumed_low"], 49152);
    EXPECT_EQ(range["inferred"]["ports_seen"], 3649);
    EXPECT_EQ(range["inferred"]["outside"], 3649);
    EXPECT_NE(range["inferred"]["known"].get<std::string>().find("XP/2003"), std::string::npos);

    // --range still decides; the report says the ports disagree.
    auto given =
        analyze("--range 49152-65535 " + fixture("capture/windows-2003-ano-1025-5000.txt"));
    EXPECT_EQ(given.code, 0) << given.out;
    auto g = analyze_json(
        "--range 49152-65535 " + fixture("capture/windows-2003-ano-1025-5000.txt"), code);
    EXPECT_EQ(g["diagnose"]["reports"][0]["range"]["source"], "--range");
    EXPECT_EQ(g["diagnose"]["reports"][0]["range"]["inferred"]["outside"], 3649);
    bool said = false;
    for (const auto& w : g["diagnose"]["reports"][0]["warnings"]) {
        said = said ||
               w.get<std::string>().find("probably taken with another range") != std::string::npos;
    }
    EXPECT_TRUE(said) << g["diagnose"]["reports"][0]["warnings"].dump();
}

// The range of a run comes from the outbound ports of all its captures (one host), also now
// that each capture is judged as it is read: regular files are read ahead, so a capture with
// too few ports of its own is judged by the ports of a file after it; a pipe is read once, so
// a capture in it is judged by the ports seen so far and its own (docs/analyze.md, Bounds).
TEST(AnalyzeCli, InferredRangeUsesTheRunsPortsFilesAheadPipesSoFar) {
    std::string dir = ::testing::TempDir() + "portwatch-inferred-run";
    std::filesystem::create_directories(dir);
    std::string few = dir + "/few.txt";
    {
        std::ofstream out(few);
        out << "\nActive Connections\n\n  Proto  Local Address          Foreign Address        "
               "State"
               "           PID\n";
        for (int port = 2000; port < 2003; ++port) {
            out << "  TCP    10.5.0.10:" << port << "         10.5.2.10:80           ESTABLISHED"
                << "     2000\n";
        }
    }
    std::string big = fixture("capture/windows-2003-ano-1025-5000.txt");
    auto source_of = [](const nlohmann::json& doc, int sockets) {
        for (const auto& r : doc["diagnose"]["reports"]) {
            if (r["checked"]["sockets"] == sockets) {
                return r["range"]["source"].get<std::string>();
            }
        }
        return std::string("(no report of ") + std::to_string(sockets) + " sockets)";
    };
    int code = 0;
    auto alone = analyze_json(few, code);
    EXPECT_EQ(alone["diagnose"]["reports"][0]["range"]["source"], "default");
    auto files = analyze_json("--each " + few + " " + big, code);
    EXPECT_EQ(source_of(files, 3), "inferred") << files["diagnose"].dump().substr(0, 400);
    auto piped =
        portwatch::testing::run_shell("cat " + few + " " + big + " | " +
                                      std::string(PORTWATCH_BINARY) + " analyze --json --each -");
    auto p = nlohmann::json::parse(piped.out, nullptr, false);
    ASSERT_FALSE(p.is_discarded()) << piped.err;
    EXPECT_EQ(source_of(p, 3), "default");  // the pipe's first capture: its own ports only
    auto piped_back =
        portwatch::testing::run_shell("cat " + big + " " + few + " | " +
                                      std::string(PORTWATCH_BINARY) + " analyze --json --each -");
    auto b = nlohmann::json::parse(piped_back.out, nullptr, false);
    ASSERT_FALSE(b.is_discarded()) << piped_back.err;
    EXPECT_EQ(source_of(b, 3), "inferred");  // after the big capture: the ports so far
    std::filesystem::remove_all(dir);
}

TEST(AnalyzeCli, LinuxCustomRangeIsInferred) {
    auto r = analyze(fixture("capture/linux-ss-custom-range.txt"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_TRUE(r.out.starts_with("WARNING")) << r.out;
    int code = 0;
    auto doc = analyze_json(fixture("capture/linux-ss-custom-range.txt"), code);
    // The summary unwrapped (the text report wraps it at 80 columns).
    EXPECT_TRUE(contains(doc["diagnose"]["reports"][0]["summary"].get<std::string>(),
                         "do not fit the Linux default 32768-60999"));
    const auto& range = doc["diagnose"]["reports"][0]["range"];
    EXPECT_EQ(range["source"], "inferred");
    EXPECT_EQ(range["inferred"]["known"], "");
    EXPECT_GE(range["low"].get<int>(), 20000);
    EXPECT_LE(range["high"].get<int>(), 29999);
    EXPECT_EQ(range["inferred"]["ports_seen"], range["inferred"]["outside"]);
}

// The origin is in the report whatever it is.
TEST(AnalyzeCli, RangeSourceAlwaysStated) {
    int code = 0;
    auto d = analyze_json(fixture("capture/windows-en-anobq.txt"), code);
    EXPECT_EQ(d["diagnose"]["reports"][0]["range"]["source"], "default");
    EXPECT_TRUE(d["diagnose"]["reports"][0]["range"]["inferred"].is_null());
    auto n = analyze_json(fixture("capture/windows-de-anobq-utf16le.txt"), code);
    EXPECT_EQ(n["diagnose"]["reports"][0]["range"]["source"], "netsh");
    auto o = analyze_json("--os 2003 " + fixture("capture/windows-en-anobq.txt"), code);
    EXPECT_EQ(o["diagnose"]["reports"][0]["range"]["source"], "--os");
}

// Issue #7 class 7: every line read.
TEST(AnalyzeCli, TranslatedHeadersAreRead) {
    for (const char* f : {"capture/windows-ru-ano-cp866.txt", "capture/windows-zh-ano-utf16le.txt",
                          "capture/windows-ja-ano-cp932.txt"}) {
        SCOPED_TRACE(f);
        int code = 0;
        auto doc = analyze_json(fixture(f), code);
        EXPECT_EQ(code, 0);
        EXPECT_EQ(doc["captures"][0]["unrecognised_lines"], 0);
        for (const auto& snap : doc["captures"][0]["snapshots"]) {
            EXPECT_EQ(snap["sockets"], 6);
        }
        auto text = analyze(fixture(f));
        EXPECT_FALSE(contains(text.out, "not recognised")) << text.out;
    }
}

TEST(AnalyzeCli, ZonesCutAddressesAndOwnersByPosition) {
    auto zones = analyze("--sockets " + fixture("capture/linux-ss-zones.txt"));
    EXPECT_EQ(zones.code, 0);
    EXPECT_TRUE(contains(zones.out, "[fe80::a00:27ff:fe4e:66a1%enp0s3]:22")) << zones.out;
    EXPECT_TRUE(contains(zones.out, "127.0.0.53%lo:53")) << zones.out;
    EXPECT_FALSE(contains(zones.err, "not recognised")) << zones.err;

    auto cut = analyze("--sockets --json " + fixture("capture/linux-netstat-cut-ipv6.txt"));
    auto doc = nlohmann::json::parse(cut.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << cut.out;
    int cut_ends = 0;
    for (const auto& s : doc["sockets"]) {
        for (const char* side : {"local", "remote"}) {
            if (s[side].contains("cut")) {
                ++cut_ends;
                EXPECT_TRUE(s[side]["address"].get<std::string>().ends_with("..."));
            }
        }
    }
    EXPECT_EQ(cut_ends, 11);  // 6 rows: 5 tcp6 rows with both ends cut, one udp6
    EXPECT_TRUE(contains(cut.err, "may be cut")) << cut.err;
    auto table = analyze("--sockets " + fixture("capture/linux-netstat-cut-ipv6.txt"));
    EXPECT_TRUE(contains(table.out, "[2001:db8:85a3:8d3:1...]:443")) << table.out;

    auto ab = analyze("--sockets " + fixture("capture/windows-en-ab-no-pid.txt"));
    EXPECT_EQ(ab.code, 0);
    std::size_t javaw = 0;
    for (std::size_t at = 0; (at = ab.out.find("javaw.exe", at)) != std::string::npos; ++at) {
        ++javaw;
    }
    EXPECT_EQ(javaw, 7u) << ab.out;
    EXPECT_TRUE(contains(ab.err, "no PID column (netstat -ab without -o)")) << ab.err;
}

TEST(AnalyzeCli, SharedFixturesHaveNoUnreadLines) {
    for (const char* f :
         {"jc/windows_windows-10_netstat-aon.out", "jc/windows_windows-10_netstat-an.out",
          "jc/ubuntu-18.04_ss-sudo-tulpen.out", "jc/centos-7.7_ss-sudo-a.out",
          "jc/centos-7.7_netstat-sudo-aeep.out", "jc/ubuntu-18.04_netstat-sudo-aeep.out"}) {
        SCOPED_TRACE(f);
        int code = 0;
        auto doc = analyze_json(fixture(f), code);
        EXPECT_EQ(doc["captures"][0]["unrecognised_lines"], 0);
        EXPECT_FALSE(doc["diagnose"]["reports"][0]["range"]["source"].get<std::string>().empty());
    }
}

}  // namespace
