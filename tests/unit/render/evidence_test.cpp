// portwatch report's writers: the one HTML escape with hostile names, the SVG charts, the
// downsampling that bounds them, and a day of history that stays under 2 MB.

#include <gtest/gtest.h>

#include <algorithm>
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

// The host's facts the monitor recorded come into the report's host facts as they were, with
// when; a history without them says so rather than showing nothing.
TEST(EvidenceBuilder, HistoryHostFactsAreTheRecordedOnes) {
    store::HistorySeries h = day_of_history();
    {
        EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
        builder.set_history(h, {});
        Evidence e = builder.finish(kT0 + 24h);
        auto it = std::find_if(e.host_facts.begin(), e.host_facts.end(),
                               [](const EvidenceFact& f) { return f.label == "host facts"; });
        ASSERT_NE(it, e.host_facts.end());
        EXPECT_NE(it->value.find("not recorded"), std::string::npos);
    }
    h.facts = {
        {"ephemeral range", "40000-40179 (180 ports; sysctl net.ipv4.ip_local_port_range)"},
        {"open files of " + std::string(kHostile) + " (1000)", "900 of 1024 (88 %, WARNING)"}};
    h.facts_at = kT0 + 23h;
    EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
    builder.set_history(h, {});
    Evidence e = builder.finish(kT0 + 24h);
    std::vector<std::string> labels;
    for (const auto& f : e.host_facts) {
        labels.push_back(f.label);
    }
    ASSERT_GE(labels.size(), 4u);
    EXPECT_EQ(labels[0], "host");
    EXPECT_EQ(labels[1], "as recorded at");
    EXPECT_EQ(labels[2], "ephemeral range");
    EXPECT_EQ(e.host_facts[2].value, h.facts[0].value);
    std::ostringstream html;
    make_evidence_renderer(EvidenceFormat::Html)->render(html, e);
    EXPECT_NE(html.str().find("40000-40179 (180 ports; sysctl"), std::string::npos);
    EXPECT_EQ(html.str().find("<script"), std::string::npos);
}

// Remedies are for the processes that drain the pools: a server listed for its listener (a
// port, no state of note) gets none.
TEST(EvidenceBuilder, HistoryRemediesAreForTheLeadingCulpritsOnly) {
    store::HistorySeries h;
    h.hostnames = {"vm"};
    h.sources = {"poll"};
    for (int m = 0; m < 5; ++m) {
        store::PoolSample pool;
        pool.at = kT0 + std::chrono::minutes(m);
        pool.pool = "tcp-connect 127.0.0.1 -> 127.0.0.1:9000";
        pool.kind = "tcp-connect";
        pool.size = 180;
        pool.used = static_cast<std::uint32_t>(30 * (m + 1));
        pool.established = pool.used;
        pool.severity = pool.used >= 162 ? "CRITICAL" : pool.used >= 126 ? "WARNING" : "OK";
        h.pools.push_back(pool);
        store::ProcessSample leak;
        leak.at = pool.at;
        leak.pid = 100;
        leak.name = "pwleak";
        leak.ports = pool.used;
        leak.established = pool.used;
        leak.top_destination = "127.0.0.1:9000";
        store::ProcessSample server = leak;
        server.pid = 101;
        server.name = "pwleak-server";
        server.ports = 1;  // its listener; the accepted connections are not ports it took
        server.established = 0;
        server.other = 1;
        server.accepted = pool.used;
        server.top_destination.clear();
        h.processes.push_back(leak);
        h.processes.push_back(server);
    }
    EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
    builder.set_history(h, {});
    Evidence e = builder.finish(kT0 + 1h);
    ASSERT_EQ(e.culprits.size(), 2u);
    EXPECT_EQ(e.culprits[0].name, "pwleak");
    EXPECT_EQ(e.culprits[0].peak, 150u);
    ASSERT_EQ(e.remedies.size(), 1u);
    EXPECT_NE(e.remedies[0].label.find("pwleak (100)"), std::string::npos) << e.remedies[0].label;
}

// A crossing the monitor recorded after a pool's last rollup (a run killed within a minute)
// says how the pool stands: the verdict is EXHAUSTED, not the last rollup's WARNING, and an
// exhausted pool gets no forecast. The time left reads in seconds.
TEST(EvidenceBuilder, HistoryVerdictTakesACrossingAfterTheLastRollup) {
    const std::string name = "tcp-connect 127.0.0.1 -> 127.0.0.1:9000";
    store::HistorySeries h;
    h.sources = {"poll"};
    for (int m = 0; m < 3; ++m) {
        store::PoolSample pool;
        pool.at = kT0 + std::chrono::minutes(m);
        pool.pool = name;
        pool.kind = "tcp-connect";
        pool.size = 180;
        pool.used = static_cast<std::uint32_t>(60 + 45 * m);
        pool.severity = m == 2 ? "WARNING" : "OK";
        pool.seconds_left = 40;
        h.pools.push_back(pool);
    }
    store::HistoryAnswer answer;
    answer.crossings.push_back({kT0 + 110s, name, "OK", "WARNING", 0.71});
    answer.crossings.push_back({kT0 + 150s, name, "WARNING", "EXHAUSTED", 1.0});
    answer.crossings.push_back({kT0 + 140s, name, "WARNING", "CRITICAL", 0.9});
    EvidenceBuilder builder(EvidenceSource::History, analyze::Thresholds{});
    builder.set_history(h, answer);
    const Evidence e = builder.finish(kT0 + 1h);
    EXPECT_EQ(e.verdict, analyze::Severity::Exhausted) << e.summary;
    ASSERT_FALSE(e.pools.empty());
    EXPECT_EQ(e.pools[0].worst, analyze::Severity::Exhausted);
    EXPECT_EQ(e.forecast, "") << "an exhausted pool has no time left to forecast";
    // Without the crossing to EXHAUSTED: CRITICAL since 140 s, 40 s left at the last rollup.
    answer.crossings.erase(answer.crossings.begin() + 1);
    EvidenceBuilder critical(EvidenceSource::History, analyze::Thresholds{});
    critical.set_history(h, answer);
    const Evidence c = critical.finish(kT0 + 1h);
    EXPECT_EQ(c.verdict, analyze::Severity::Critical) << c.summary;
    EXPECT_NE(c.forecast.find("has no free port in about 40 s."), std::string::npos) << c.forecast;
}

// A live report's trend is over diagnoses seconds apart: its time left reads in minutes or
// seconds, and the samples are called what they are.
TEST(EvidenceBuilder, LiveTrendSaysDiagnosesAndMinutes) {
    analyze::Report report;
    report.taken_at = kT0;
    analyze::Trend trend;
    trend.pool_text = "tcp-connect 127.0.0.1 -> 127.0.0.1:9000";
    trend.captures = 11;
    trend.size = 180;
    trend.used_first = 20;
    trend.used_last = 120;
    trend.used_per_hour = 36000;
    for (auto [hours, said] : {std::pair{40.0 / 3600, "about 40 s"},
                               std::pair{0.25, "about 15 min"}, std::pair{3.25, "about 3.2 h"}}) {
        trend.hours_left = hours;
        EvidenceBuilder builder(EvidenceSource::Live, analyze::Thresholds{});
        builder.add_report(report);
        builder.set_trend(trend);
        const Evidence e = builder.finish(kT0);
        EXPECT_NE(e.forecast.find("over 11 diagnoses"), std::string::npos) << e.forecast;
        EXPECT_NE(e.forecast.find(said), std::string::npos) << e.forecast;
    }
}

}  // namespace
}  // namespace portwatch::render
