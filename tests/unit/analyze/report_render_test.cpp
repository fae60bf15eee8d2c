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

using core::TcpState;
using analyze::test::ep;

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
