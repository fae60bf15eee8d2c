#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "analyze/report.h"
#include "analyze/verdict.h"
#include "render/report_renderer.h"
#include "render/utf8.h"
#include "snapshot_builder.h"

namespace portwatch::render {
namespace {

using analyze::test::ep;
using core::TcpState;

// A client with a hostile name draining the pool to a loopback server.
analyze::Report hostile_report() {
    analyze::test::SnapshotBuilder b(40000, 40099);
    b.process(10, "server").process(20, "evil\x1b[31m\xff name that is rather long indeed");
    b.tcp(TcpState::Listen, ep("127.0.0.1", 9000), ep("0.0.0.0", 0), 10);
    for (std::uint16_t i = 0; i < 100; ++i) {
        b.tcp(TcpState::CloseWait, ep("127.0.0.1", 40000 + i), ep("127.0.0.1", 9000), 20);
    }
    b.snapshot().hostname = "host";
    return analyze::diagnose(b.snapshot(), nullptr, {});
}

TEST(ReportRender, TextIsVerdictFirstSafeAndWithin80Columns) {
    auto r = hostile_report();
    std::ostringstream out;
    render_reports_text(out, std::span(&r, 1), {});
    std::string text = out.str();
    EXPECT_EQ(text.rfind("EXHAUSTED", 0), 0u);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_NE(text.find("\\x1b[31m"), std::string::npos);
    EXPECT_NE(text.find("close-wait-leak"), std::string::npos);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_LE(display_width(line), 80u) << line;
    }
}

TEST(ReportRender, JsonIsValidAndCitesItsPools) {
    auto r = hostile_report();
    std::ostringstream out;
    render_reports_json(out, std::span(&r, 1), {});
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["schema"], "portwatch.diagnose/1");
    EXPECT_EQ(doc["verdict"], "EXHAUSTED");
    const auto& f = doc["reports"][0]["findings"][0];
    EXPECT_EQ(f["mechanism"], "close-wait-leak");
    EXPECT_EQ(f["culprits"][0]["pid"], 20);
    EXPECT_EQ(f["servers"][0]["pid"], 10);
    auto pool = doc["reports"][0]["pools"][f["pool"].get<std::size_t>()];
    EXPECT_EQ(pool["remote"]["port"], 9000);
    EXPECT_EQ(pool["states"]["CLOSE_WAIT"], 100);
}

// A Windows capture whose one pool two processes drain two ways (classes 5, 8 and 9).
analyze::Report windows_report() {
    analyze::test::SnapshotBuilder b(49152, 49251);
    auto& snap = b.snapshot();
    snap.config.platform = core::Platform::Windows;
    snap.config.tcp_tw_reuse.reset();
    snap.config.windows = core::WindowsGeneration::UpTo2003;
    snap.config.range_origin = "test";
    b.process(100, "app.exe").process(200, "agent.exe");
    std::uint16_t port = 49152;
    for (int i = 0; i < 60; ++i)
        b.tcp(TcpState::TimeWait, ep("10.0.0.5", port++), ep("10.0.0.40", 1433));
    b.tcp(TcpState::Established, ep("10.0.0.5", port++), ep("10.0.0.40", 1433), 100);
    for (int i = 0; i < 39; ++i)
        b.tcp(TcpState::CloseWait, ep("10.0.0.5", port++), ep("10.0.0.77", 445), 200);
    return analyze::diagnose(snap, nullptr, {});
}

TEST(ReportRender, WindowsTextSaysWhatBreaksAndNoLinuxSysctl) {
    auto r = windows_report();
    std::ostringstream out;
    render_reports_text(out, std::span(&r, 1), {});
    std::string text = out.str();
    EXPECT_EQ(text.find("tcp_tw_reuse"), std::string::npos) << text;
    EXPECT_EQ(text.find("net.ipv4"), std::string::npos) << text;
    EXPECT_EQ(text.find("bind-owned"), std::string::npos) << text;
    EXPECT_NE(text.find("TIME_WAIT lasts 240 s"), std::string::npos) << text;
    std::string flat;  // word-wrapping undone
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n') {
            flat += text[i];
            continue;
        }
        flat += ' ';
        while (i + 1 < text.size() && text[i + 1] == ' ')
            ++i;
    }
    EXPECT_NE(flat.find("Failing now: every new outbound TCP connection from this host"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("(cause 2 of 2 of one pool)"), std::string::npos) << text;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_LE(display_width(line), 80u) << line;
    }
}

TEST(ReportRender, JsonCarriesCausesBreaksAndTimeWait) {
    auto r = windows_report();
    std::ostringstream out;
    render_reports_json(out, std::span(&r, 1), {});
    auto doc = nlohmann::json::parse(out.str());
    const auto& report = doc["reports"][0];
    EXPECT_TRUE(report["tcp_tw_reuse"].is_null());
    EXPECT_EQ(report["windows_generation"], "2003-and-earlier");
    EXPECT_EQ(report["time_wait"]["seconds"], 240);
    EXPECT_EQ(report["breaks"]["scope"], "host");
    EXPECT_EQ(report["breaks"]["now"], true);
    EXPECT_NE(r.summary.find(report["breaks"]["text"].get<std::string>()), std::string::npos);
    const auto& findings = report["findings"];
    ASSERT_EQ(findings.size(), 2u);
    EXPECT_EQ(findings[0]["mechanism"], "time-wait-churn");
    EXPECT_EQ(findings[1]["mechanism"], "close-wait-leak");
    EXPECT_EQ(findings[1]["cause"], 2);
    EXPECT_EQ(findings[1]["causes"], 2);
    EXPECT_EQ(findings[0]["pool"], findings[1]["pool"]);
    EXPECT_EQ(findings[1]["destinations"][0]["port"], 445);
    EXPECT_EQ(findings[1]["culprits"][0]["name"], "agent.exe");
    EXPECT_EQ(findings[1]["culprits"][0]["file_descriptors"], 0);
    bool smb = false;
    for (const auto& d : report["breaks"]["destinations"])
        smb = smb || d["service"] == "SMB";
    EXPECT_TRUE(smb);
}

TEST(ReportRender, OverallVerdictOfSeveralNamespaces) {
    analyze::Report ok, bad, unknown;
    bad.verdict = analyze::Severity::Warning;
    unknown.unknown = true;
    std::vector<analyze::Report> reports{ok, unknown};
    EXPECT_TRUE(analyze::overall_verdict(reports).unknown);
    reports.push_back(bad);
    EXPECT_FALSE(analyze::overall_verdict(reports).unknown);
    EXPECT_EQ(analyze::overall_verdict(reports).severity, analyze::Severity::Warning);
    std::ostringstream out;
    render_reports_text(out, reports, {});
    EXPECT_EQ(out.str().rfind("WARNING  3 network namespaces checked, 2 not OK", 0), 0u);
}

}  // namespace
}  // namespace portwatch::render
