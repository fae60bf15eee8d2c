// `portwatch report` from saved captures, with "now" fixed: the data that goes into the report
// (its Markdown form, every section) compared with tests/golden/report-trend-md.out.
//
// Regenerate after an intended change, then review the diff:
//   PORTWATCH_UPDATE_GOLDEN=1 ctest --test-dir build/release -R ReportGolden
//   git diff tests/golden/

#include "app/report_command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/clock.h"

namespace portwatch::app {
namespace {

const std::string kSource = PORTWATCH_SOURCE_DIR;

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string report_of(const std::vector<std::string>& captures, render::EvidenceFormat format) {
    core::FixedClock clock(core::TimePoint{std::chrono::seconds(1'796'200'000)});
    ReportCommandOptions o;
    o.source = render::EvidenceSource::Captures;
    o.captures = captures;
    o.format = format;
    o.clock = &clock;
    std::istringstream in;
    std::ostringstream out, err;
    EXPECT_EQ(run_report(o, in, out, err), 0) << err.str();
    // The version changes with every release, the clone's path with the clone; the rest must
    // not change unnoticed.
    std::string text = std::regex_replace(out.str(), std::regex("portwatch [0-9][0-9.a-z~+-]*"),
                                          "portwatch VERSION");
    for (auto at = text.find(kSource + "/"); at != std::string::npos;
         at = text.find(kSource + "/", at)) {
        text.erase(at, kSource.size() + 1);
    }
    return text;
}

void compare_with_golden(const std::string& name, const std::string& actual) {
    const std::string path = kSource + "/tests/golden/" + name + ".out";
    if (std::getenv("PORTWATCH_UPDATE_GOLDEN")) {
        std::ofstream(path, std::ios::binary) << actual;
        GTEST_SKIP() << "updated " << path;
    }
    EXPECT_EQ(actual, read_all(path)) << "regenerate: PORTWATCH_UPDATE_GOLDEN=1 ctest -R "
                                         "ReportGolden, then review git diff tests/golden/";
}

TEST(ReportGolden, TrendCapturesAsMarkdown) {
    compare_with_golden("report-trend-md",
                        report_of({kSource + "/tests/fixtures/capture/windows-ano-trend.txt"},
                                  render::EvidenceFormat::Markdown));
}

TEST(ReportGolden, OneLinuxCaptureAsMarkdown) {
    // This capture carries no time of its own: it is dated by its file's modification time,
    // which a fresh clone sets to the moment of the clone. Fixed here, as the clock is.
    const std::string capture = kSource + "/tests/fixtures/capture/linux-ss-tanp.txt";
    const timespec when[2] = {{1'796'223'228, 0}, {1'796'223'228, 0}};  // 2026-12-02 14:53:48 UTC
    ASSERT_EQ(::utimensat(AT_FDCWD, capture.c_str(), when, 0), 0) << capture;
    compare_with_golden("report-ss-tanp-md",
                        report_of({capture}, render::EvidenceFormat::Markdown));
}

TEST(ReportCommand, CapturesGiveChartsFromTheirTimestamps) {
    std::string html = report_of({kSource + "/tests/fixtures/capture/windows-ano-trend.txt"},
                                 render::EvidenceFormat::Html);
    EXPECT_NE(html.find("<svg class=\"chart\" id=\"chart-pools\""), std::string::npos);
    EXPECT_NE(html.find("<polyline"), std::string::npos);  // several times: a line
    EXPECT_NE(html.find("id=\"culprit-table\""), std::string::npos);
}

TEST(ReportCommand, AnUnreadableCaptureFailsWithAMessage) {
    ReportCommandOptions o;
    o.source = render::EvidenceSource::Captures;
    o.captures = {"/nonexistent/capture.txt"};
    std::istringstream in;
    std::ostringstream out, err;
    EXPECT_EQ(run_report(o, in, out, err), 1);
    EXPECT_TRUE(out.str().empty());
    EXPECT_NE(err.str().find("/nonexistent/capture.txt"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace portwatch::app
