// The analyze renderers: what `portwatch analyze` prints, from the summary the command fills.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "analyze/report.h"
#include "render/analysis_renderer.h"
#include "snapshot_builder.h"

namespace portwatch::render {
namespace {

using analyze::test::ep;
using core::TcpState;
using std::chrono::hours;

const auto kT0 = std::chrono::system_clock::time_point{} + hours(24 * 20000);

analyze::Report report(const std::string& host, int sockets) {
    analyze::test::SnapshotBuilder b(40000, 40099);
    b.process(10, "server").process(20, "client");
    b.tcp(TcpState::Listen, ep("127.0.0.1", 9000), ep("0.0.0.0", 0), 10);
    for (int i = 0; i < sockets; ++i) {
        b.tcp(TcpState::CloseWait, ep("127.0.0.1", static_cast<std::uint16_t>(40000 + i)),
              ep("127.0.0.1", 9000), 20);
    }
    b.snapshot().hostname = host;
    return analyze::diagnose(b.snapshot(), nullptr, {});
}

// Two files: a.txt with two captures (given latest first), b.txt with one.
AnalysisSummary two_files() {
    AnalysisSummary s;
    s.files.push_back({"a.txt",
                       "UTF-8",
                       10,
                       4,
                       0,
                       1,
                       0,
                       {{core::Protocol::Tcp, 49152, 65535, 7}},
                       {"a warning"},
                       2});
    s.files.push_back({"b.txt", "UTF-16LE", 3, 1, 0, 0, 0, {}, {}, 1});
    s.formats = {"ss", "netstat (Windows)"};
    s.captures.push_back({kT0 + hours(2), 1, 0, 0, 3, 2, 0, TimeOrigin::TakenAtLine});
    s.captures.push_back({kT0, 5, 0, 1, 1, 1, 0, TimeOrigin::TakenAtLine});
    s.captures.push_back({kT0 + hours(1), 1, 1, 0, 1, 1, 1, TimeOrigin::FileTime});
    return s;
}

TEST(AnalysisRender, JsonListsEveryCaptureAndReplaysTheShownReports) {
    auto renderer = make_analysis_renderer(ReportFormat::Json, {});
    std::vector<std::string> kept;
    for (int i = 0; i < 3; ++i) {
        std::ostringstream text;
        renderer->render_shown_report(text, report("capture " + std::to_string(i), 10 * i + 1));
        kept.push_back(text.str());
    }
    auto s = two_files();
    s.all_shown = true;
    s.verdict = {analyze::Severity::Critical, false};
    s.shown_reports = [&](const std::function<void(std::string_view)>& visit) -> Result<void> {
        for (auto k = kept.rbegin(); k != kept.rend(); ++k) {
            visit(*k);
        }
        return {};
    };
    std::ostringstream out;
    ASSERT_TRUE(renderer->render(out, s).has_value());
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["schema"], "portwatch.analyze/1");
    ASSERT_EQ(doc["captures"].size(), 2u);
    const auto& a = doc["captures"][0];
    EXPECT_EQ(a["file"], "a.txt");
    EXPECT_EQ(a["unrecognised_lines"], 1);
    EXPECT_EQ(a["netsh_ranges"][0]["low"], 49152);
    EXPECT_EQ(a["warnings"][0], "a warning");
    ASSERT_EQ(a["snapshots"].size(), 2u);
    EXPECT_EQ(a["snapshots"][1]["first_line"], 5);
    EXPECT_EQ(a["snapshots"][1]["time_origin"], "'# taken at' line");
    const auto& b = doc["captures"][1];
    EXPECT_EQ(b["encoding"], "UTF-16LE");
    EXPECT_EQ(b["snapshots"][0]["format"], "netstat (Windows)");
    EXPECT_EQ(b["snapshots"][0]["time_origin"], "file modification time");
    EXPECT_TRUE(doc["trend"].is_null());
    EXPECT_EQ(doc["diagnose"]["verdict"], "CRITICAL");
    const auto& reports = doc["diagnose"]["reports"];
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[0]["hostname"], "capture 2");  // in the order replayed
    EXPECT_EQ(reports[2]["hostname"], "capture 0");
}

TEST(AnalysisRender, TextShowsTheLatestReportAndTheTrendInTimeOrder) {
    auto s = two_files();
    s.latest = report("capture a.txt #1", 30);
    s.verdict = {s.latest->verdict, false};
    analyze::Trend t;
    t.pool_text = "tcp-local 127.0.0.1";
    t.from = kT0;
    t.to = kT0 + hours(2);
    t.captures = 3;
    t.size = 100;
    t.used_first = 1;
    t.used_last = 31;
    t.used_per_hour = 15;
    t.hours_left = 4.6;
    s.trend = t;
    std::ostringstream out;
    ASSERT_TRUE(make_analysis_renderer(ReportFormat::Text, {})->render(out, s).has_value());
    std::string text = out.str();
    auto first = text.find("a.txt #2  (time from '# taken at' line)");
    auto second = text.find("b.txt  (time from file modification time)");
    auto third = text.find("a.txt #1  (time from '# taken at' line)");
    ASSERT_NE(first, std::string::npos) << text;
    ASSERT_NE(second, std::string::npos) << text;
    ASSERT_NE(third, std::string::npos) << text;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
    EXPECT_NE(text.find("Trend over 3 captures"), std::string::npos);
    EXPECT_EQ(text.rfind(std::string(analyze::severity_name(s.latest->verdict)), 0), 0u);
    EXPECT_NE(text.find("capture a.txt #1"), std::string::npos);
}

TEST(AnalysisRender, CapturesOfOneTimeSayWhyThereIsNoTrend) {
    auto s = two_files();
    for (auto& c : s.captures) {
        c.taken_at = kT0;
    }
    s.all_shown = true;
    s.not_ok = 0;
    s.shown_reports = [](const std::function<void(std::string_view)>& visit) -> Result<void> {
        visit("REPORT ONE\n");
        visit("REPORT TWO\n");
        return {};
    };
    auto renderer = make_analysis_renderer(ReportFormat::Text, {});
    std::ostringstream out;
    ASSERT_TRUE(renderer->render(out, s).has_value());
    std::string text = out.str();
    EXPECT_NE(text.find("REPORT ONE\nREPORT TWO\n"), std::string::npos) << text;
    EXPECT_NE(text.find("No trend: the 3 captures carry the same time"), std::string::npos);
    s.each = true;  // asked for: no excuse needed
    std::ostringstream each;
    ASSERT_TRUE(renderer->render(each, s).has_value());
    EXPECT_EQ(each.str().find("No trend"), std::string::npos);
}

TEST(AnalysisRender, AReplayThatFailsIsAnError) {
    auto s = two_files();
    s.all_shown = true;
    s.shown_reports = [](const std::function<void(std::string_view)>&) -> Result<void> {
        return make_error("cannot read the reports back");
    };
    for (auto format : {ReportFormat::Text, ReportFormat::Json}) {
        std::ostringstream out;
        auto r = make_analysis_renderer(format, {})->render(out, s);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().message, "cannot read the reports back");
    }
}

}  // namespace
}  // namespace portwatch::render
