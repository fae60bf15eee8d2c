// portwatch report's writers: the one HTML escape with hostile names, the SVG charts, the
// downsampling that bounds them, and a day of history that stays under 2 MB.

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "render/evidence_builder.h"
#include "render/evidence_renderer.h"
#include "render/html_escape.h"
#include "render/svg_chart.h"

namespace portwatch::render {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kT0{std::chrono::seconds(1'796'200'000)};  // 2026-12-02

const std::string kHostile =
    "<script>alert(\"x\")</script>&'\xe2\x80\xae"
    "evil\xff";

TEST(HtmlEscape, MarkupQuotesAndAmpersandsBecomeEntities) {
    EXPECT_EQ(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    EXPECT_EQ(html_escape("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
    EXPECT_EQ(html_escape("nginx"), "nginx");
    EXPECT_EQ(html_escape("caf\xc3\xa9"), "caf\xc3\xa9");  // printable UTF-8 stays
}

TEST(HtmlEscape, BidiControlsInvalidBytesAndControlsBecomeVisible) {
    // U+202E RIGHT-TO-LEFT OVERRIDE would reverse what follows on screen.
    EXPECT_EQ(html_escape("a\xe2\x80\xae"
                          "b"),
              "a\\u202eb");
    EXPECT_EQ(html_escape("a\xff"
                          "b"),
              "a\\xffb");
    EXPECT_EQ(html_escape(std::string("a\0b\nc", 5)), "a\\x00b\\nc");
}

TEST(MarkdownEscape, MarkdownAndHtmlAreBothDisarmed) {
    EXPECT_EQ(markdown_escape("*a*_[x](y)|#`"), "\\*a\\*\\_\\[x\\](y)\\|\\#\\`");
    EXPECT_EQ(markdown_escape("<img src=x onerror=alert(1)>"),
              "&lt;img src=x onerror=alert(1)&gt;");
}

TEST(Downsample, BoundsThePointsAndKeepsThePeak) {
    std::vector<ChartPoint> points;
    for (int i = 0; i < 1440; ++i) {
        points.push_back({kT0 + std::chrono::minutes(i), i == 777 ? 5000.0 : double(i % 50)});
    }
    auto out = downsample(points, 100);
    EXPECT_LE(out.size(), 100u);
    EXPECT_GE(out.size(), 90u);
    auto peak = std::max_element(out.begin(), out.end(),
                                 [](const auto& a, const auto& b) { return a.value < b.value; });
    EXPECT_EQ(peak->value, 5000.0);
    EXPECT_EQ(peak->at, kT0 + 777min);
    EXPECT_EQ(downsample(std::span(points).first(10), 100).size(), 10u);
}

TEST(SvgChart, DrawsSeriesAxesAndThresholdsAndEscapesNames) {
    Chart c;
    c.id = "chart-pools";
    c.title = "Ports used per pool";
    c.unit = "ports used";
    c.series.push_back({kHostile, {{kT0, 10}, {kT0 + 10min, 150}, {kT0 + 20min, 199}}});
    c.lines.push_back({200, "size 200"});
    std::ostringstream out;
    write_svg_chart(out, c);
    std::string svg = out.str();
    EXPECT_EQ(svg.rfind("<svg class=\"chart\" id=\"chart-pools\"", 0), 0u) << svg;
    EXPECT_NE(svg.find("<polyline"), std::string::npos);
    EXPECT_NE(svg.find("size 200"), std::string::npos);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(SvgChart, AnEmptyChartSaysSo) {
    Chart c;
    c.id = "chart-failures";
    c.title = "Failed port allocations per minute";
    std::ostringstream out;
    write_svg_chart(out, c);
    EXPECT_NE(out.str().find("No data for"), std::string::npos);
    EXPECT_EQ(out.str().find("<svg"), std::string::npos);
}

// A day of history at one row a minute: 8 pools, 40 processes (hostile names among them),
// a failure every minute.
store::HistorySeries day_of_history() {
    store::HistorySeries h;
    h.hostnames = {"host<1>"};
    h.sources = {"ebpf"};
    for (int m = 0; m < 24 * 60; ++m) {
        auto at = kT0 + std::chrono::minutes(m);
        for (int p = 0; p < 8; ++p) {
            store::PoolSample s;
            s.at = at;
            s.pool = "tcp-connect 10.0.0.1 -> 10.0.0." + std::to_string(p + 2) + ":443";
            s.kind = "tcp-connect";
            s.size = 28232;
            s.used = static_cast<std::uint32_t>((m * (p + 1) * 7) % 28232);
            s.time_wait = s.used;
            s.severity = s.used > 25000 ? "CRITICAL" : s.used > 20000 ? "WARNING" : "OK";
            h.pools.push_back(s);
        }
        for (int p = 0; p < 40; ++p) {
            store::ProcessSample s;
            s.at = at;
            s.pid = 1000 + p;
            s.name = p == 0 ? kHostile : "worker-" + std::to_string(p);
            s.unit = p == 0 ? kHostile : "/system.slice/worker.service";
            // The hostile one drains most: it heads the culprit table.
            s.ports = static_cast<std::uint32_t>(p == 0 ? m * 4 : m * (p + 1) % 5000);
            s.time_wait = s.ports;
            s.time_wait_exact = s.ports / 2;
            s.top_destination = "10.0.0.2:443";
            h.processes.push_back(s);
        }
        h.failures.push_back({at, static_cast<std::uint64_t>(m % 7)});
    }
    return h;
}

TEST(EvidenceHtml, ADayOfHistoryStaysUnderTwoMegabytesAndEveryNameStaysText) {
    store::HistoryAnswer answer;
    store::FailureGroup f;
    f.pid = 1000;
    f.name = kHostile;
    f.call = "connect";
    f.error = 99;
    f.address = "10.0.0.2";
    f.port = 443;
    f.count = 4000;
    f.first = kT0;
    f.last = kT0 + 23h;
    answer.failures.push_back(f);
    answer.crossings.push_back(
        {kT0 + 5h, "tcp-connect 10.0.0.1 -> 10.0.0.2:443", "OK", "WARNING", 0.71});
    EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
    builder.set_history(day_of_history(), answer);
    auto t = std::chrono::steady_clock::now();
    Evidence e = builder.finish(kT0 + 24h);
    std::ostringstream html;
    make_evidence_renderer(EvidenceFormat::Html)->render(html, e);
    auto took = std::chrono::steady_clock::now() - t;
    const std::string doc = html.str();
    std::cout << "[ report ] 24 h of history (8 pools, 40 processes, 1440 minutes): " << doc.size()
              << " bytes of HTML in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
    EXPECT_LT(doc.size(), 2u * 1024 * 1024);
    for (const auto& s : e.pool_chart.series) {
        EXPECT_LE(s.points.size(), EvidenceLimits{}.points);
    }
    EXPECT_EQ(e.culprits.size(), EvidenceLimits{}.culprits);
    EXPECT_EQ(e.more_culprits, 30u);
    EXPECT_NE(doc.find("and 30 more processes"), std::string::npos);
    // Nothing from the system became markup: the one <script would be the hostile name.
    EXPECT_EQ(doc.find("<script"), std::string::npos);
    EXPECT_NE(
        doc.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;\\u202eevil\\xff"),
        std::string::npos);
    EXPECT_NE(doc.find("Content-Security-Policy"), std::string::npos);
    EXPECT_EQ(doc.find("http://"), doc.find("http://www.w3.org/2000/svg"));  // no fetches
    for (const char* id : {"id=\"verdict\"", "id=\"chart-pools\"", "id=\"chart-culprits\"",
                           "id=\"chart-failures\"", "id=\"culprit-table\"", "id=\"remedy\""}) {
        EXPECT_NE(doc.find(id), std::string::npos) << id;
    }
    // The last minute's worst pool is at 85 %: WARNING by the recorded severities.
    EXPECT_EQ(e.verdict, analyze::Severity::Warning) << e.summary;
}

TEST(EvidenceMarkdown, HasTheSameSectionsAndEscapesNames) {
    EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
    builder.set_history(day_of_history(), {});
    Evidence e = builder.finish(kT0 + 24h);
    std::ostringstream md;
    make_evidence_renderer(EvidenceFormat::Markdown)->render(md, e);
    const std::string doc = md.str();
    std::size_t at = 0;
    for (const auto& s : evidence_sections()) {
        auto found = doc.find("## " + std::string(s.title), at);
        ASSERT_NE(found, std::string::npos) << s.title;
        at = found;
    }
    EXPECT_EQ(doc.find("<script"), std::string::npos);
    EXPECT_NE(doc.find("&lt;script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace portwatch::render
