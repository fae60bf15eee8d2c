// `portwatch report` as a user runs it: from a day of history (a database the test fills: size
// under 2 MB, time to generate), from captures with a hostile process name (it stays text),
// and the HTML opened in headless Chromium: screenshot kept under
// build/<preset>/tests/artefacts/, DOM checked for the verdict, the charts and the culprit
// table, and no console errors. Chromium missing: skipped, or a failure when CI is set.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "store/paths.h"
#include "store/sqlite_store.h"
#include "support/chromium.h"
#include "support/process.h"
#include "unit/store/store_samples.h"

namespace portwatch::store {
namespace {

using testing::at_s;

constexpr std::int64_t kT0 = 1796169600;  // 2026-12-02T00:00:00Z
const std::string kHostile = "<script>alert(1)</script>\"'&\xe2\x80\xae";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string artefact(const std::string& name) {
    std::filesystem::create_directories(PORTWATCH_ARTEFACTS_DIR);
    return std::string(PORTWATCH_ARTEFACTS_DIR) + "/" + name;
}

bool chromium_or_skip() {
    if (!portwatch::testing::find_chromium().empty()) {
        return true;
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "chromium is not installed (scripts/setup.sh installs it); CI must "
                         "not skip";
    }
    return false;
}

// What every opened report must show: the verdict, charts drawn as SVG, the culprit table,
// and nothing on the console.
void expect_rendered(const portwatch::testing::ChromiumPage& page, const std::string& png) {
    ASSERT_TRUE(page.ran) << page.log;
    EXPECT_NE(page.dom.find("id=\"verdict-badge\""), std::string::npos) << page.dom.substr(0, 2000);
    EXPECT_NE(page.dom.find("<svg class=\"chart\" id=\"chart-pools\""), std::string::npos);
    EXPECT_NE(page.dom.find("id=\"culprit-table\""), std::string::npos);
    EXPECT_EQ(page.dom.find("<script"), std::string::npos);
    EXPECT_EQ(page.console_errors, "");
    // A blank 1200x2000 page compresses to a few KiB; text and charts do not.
    ASSERT_TRUE(std::filesystem::exists(png));
    EXPECT_GT(std::filesystem::file_size(png), 30'000u) << png;
    std::cout << "[ report ] screenshot: " << png << "\n";
}

class ReportCli : public ::testing::Test {
  protected:
    // A day of history at one rollup a minute: 4 pools, 25 processes, a failure burst in the
    // last hours, crossings; one process has a hostile name.
    void fill_day() {
        core::FixedClock clock(at_s(kT0));
        auto db = open_history(db_, OpenMode::ReadWrite);
        ASSERT_TRUE(db) << db.error().message;
        auto store = SqliteStore::create(std::move(*db), clock);
        ASSERT_TRUE(store);
        core::Snapshot empty;
        ASSERT_TRUE(store->begin_run({at_s(kT0), "lab-host", "ebpf", "", "test"}, empty));
        for (int m = 0; m < 24 * 60; ++m) {
            const auto at = at_s(kT0 + 60 * m);
            std::vector<PoolSample> pools;
            for (int p = 0; p < 4; ++p) {
                PoolSample s;
                s.at = at;
                s.pool = "tcp-connect 10.0.0.1 -> 10.0.0." + std::to_string(p + 2) + ":443";
                s.kind = "tcp-connect";
                s.size = 28232;
                s.used = static_cast<std::uint32_t>(std::min(28232, m * 19 / (p + 1)));
                s.time_wait = s.used;
                double u = double(s.used) / s.size;
                s.severity = s.used == s.size ? "EXHAUSTED"
                             : u >= 0.9       ? "CRITICAL"
                             : u >= 0.7       ? "WARNING"
                                              : "OK";
                pools.push_back(s);
            }
            std::vector<ProcessSample> processes;
            for (int p = 0; p < 25; ++p) {
                ProcessSample s;
                s.at = at;
                s.pid = 2000 + p;
                s.name = p == 0 ? "java" : p == 1 ? kHostile : "worker-" + std::to_string(p);
                s.unit = "/system.slice/app.service";
                s.ports = static_cast<std::uint32_t>(std::min(28232, m * 19 / (p + 1)));
                s.time_wait = s.ports;
                s.time_wait_exact = s.ports;
                s.opened = 19;
                s.top_destination = "10.0.0.2:443";
                processes.push_back(s);
            }
            ASSERT_TRUE(store->record_minute(pools, processes));
            if (m > 22 * 60) {
                core::EventBatch batch;
                batch.failures.push_back(
                    testing::failed(at, testing::maker(2000, "java"), 99, "10.0.0.2", 443));
                ASSERT_TRUE(store->record(batch));
            }
        }
        ASSERT_TRUE(store->record_crossing(
            {at_s(kT0 + 60 * 1040), "tcp-connect 10.0.0.1 -> 10.0.0.2:443", "OK", "WARNING", 0.7}));
        ASSERT_TRUE(store->end_run(at_s(kT0 + 86400)));
    }

    testing::TempDir dir_;
    std::string db_ = dir_.file("history.db");
};

TEST_F(ReportCli, ADayOfHistoryIsUnderTwoMegabytesAndOpensInChromium) {
    fill_day();
    const std::string html = artefact("report-history-24h.html");
    auto t = std::chrono::steady_clock::now();
    auto r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--from-history", "--db", db_, "-o", html});
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
            .count();
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string doc = read_all(html);
    std::cout << "[ report ] 24 h of history (4 pools, 25 processes, 1440 minutes): " << doc.size()
              << " bytes, generated in " << ms << " ms: " << html << "\n";
    EXPECT_LT(doc.size(), 2u * 1024 * 1024);
    EXPECT_NE(doc.find("EXHAUSTED"), std::string::npos);
    EXPECT_EQ(doc.find("<script"), std::string::npos);
    EXPECT_NE(doc.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\\u202e"),
              std::string::npos);
    EXPECT_NE(doc.find("EADDRNOTAVAIL"), std::string::npos);
    if (!chromium_or_skip()) {
        GTEST_SKIP() << "chromium is not installed";
    }
    const std::string png = artefact("report-history-24h.png");
    expect_rendered(portwatch::testing::open_in_chromium(html, png), png);
}

TEST_F(ReportCli, MarkdownFromHistoryHasEverySection) {
    fill_day();
    auto r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--from-history", "--db", db_, "--format", "md"});
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* heading :
         {"## Verdict", "## Port pools over time", "## Culprit processes", "## Failed allocations",
          "## Thresholds crossed", "## Host facts", "## Remedy", "## How this was measured"}) {
        EXPECT_NE(r.out.find(heading), std::string::npos) << heading;
    }
    EXPECT_EQ(r.out.find("<script"), std::string::npos);
}

TEST_F(ReportCli, AHostileProcessNameInACaptureStaysText) {
    const std::string capture = dir_.file("hostile-ss.txt");
    {
        std::ofstream out(capture);
        out << "# taken at 2026-12-02T10:00:00Z\n"
               "State      Recv-Q Send-Q Local Address:Port    Peer Address:Port  Process\n";
        for (int i = 0; i < 150; ++i) {
            out << "ESTAB      0      0      10.1.0.5:" << 40000 + i
                << "    10.1.0.9:5432  users:((\"<img src=x onerror=alert(1)><script>x</script>\","
                   "pid=4242,fd="
                << 10 + i << "))\n";
        }
    }
    const std::string html = artefact("report-hostile.html");
    auto r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--capture", capture, "--range", "40000-40199", "-o", html});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string doc = read_all(html);
    EXPECT_EQ(doc.find("<script"), std::string::npos);
    EXPECT_EQ(doc.find("<img"), std::string::npos);
    EXPECT_NE(doc.find("&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;"), std::string::npos);
    if (!chromium_or_skip()) {
        GTEST_SKIP() << "chromium is not installed";
    }
    const std::string png = artefact("report-hostile.png");
    auto page = portwatch::testing::open_in_chromium(html, png);
    ASSERT_TRUE(page.ran) << page.log;
    EXPECT_EQ(page.dom.find("<script"), std::string::npos);
    EXPECT_EQ(page.dom.find("<img"), std::string::npos);
    EXPECT_EQ(page.console_errors, "");
}

// The console check can fail: a page that tries a fetch and a script shows both refusals.
TEST_F(ReportCli, ChromiumConsoleErrorsAreSeen) {
    if (!chromium_or_skip()) {
        GTEST_SKIP() << "chromium is not installed";
    }
    const std::string html = dir_.file("bad.html");
    std::ofstream(html)
        << "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
           "content=\"default-src 'none'\"></head><body><img "
           "src=\"http://192.0.2.1/x.png\"><script>1</script></body></html>";
    auto page = portwatch::testing::open_in_chromium(html, dir_.file("bad.png"));
    ASSERT_TRUE(page.ran) << page.log;
    EXPECT_NE(page.console_errors.find("Content Security Policy"), std::string::npos) << page.log;
}

TEST_F(ReportCli, BadArgumentsAreUsageErrors) {
    auto r = portwatch::testing::run_argv({PORTWATCH_BINARY, "report", "--format", "pdf"});
    EXPECT_EQ(r.code, 2) << r.err;
    r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--from-history", "--capture", "x.txt"});
    EXPECT_EQ(r.code, 2) << r.err;
    r = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "report", "--from-history", "--db", dir_.file("none.db")});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("no history at"), std::string::npos) << r.err;
    // Live sampling: its options are live's only, and bounded.
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--from-history", "--duration", "5s"},
          {"--capture", "x.txt", "--interval", "2s"},
          {"--interval", "50ms"},
          {"--duration", "10x"},
          {"--duration", "1d", "--interval", "1s"}}) {
        std::vector<std::string> argv{PORTWATCH_BINARY, "report"};
        argv.insert(argv.end(), bad.begin(), bad.end());
        r = portwatch::testing::run_argv(argv);
        EXPECT_EQ(r.code, 2) << bad[0] << ' ' << bad[1] << ": " << r.err;
        EXPECT_NE(r.err.find("--"), std::string::npos) << r.err;
    }
}

}  // namespace
}  // namespace portwatch::store
