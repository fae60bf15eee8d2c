// The exporter's layer without a network: escaping, both formats, content negotiation, the
// top-K folding and its series budget at 100,000 sockets to 50,000 destinations, the scrape
// cache's sharing, and docs/metrics.md against the table.

#include "export/exposition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "analyze/report.h"
#include "core/clock.h"
#include "export/fleet_metrics.h"
#include "export/metrics.h"
#include "export/scrape_cache.h"

namespace portwatch::exporter {
namespace {

std::string text(const MetricSet& set, Format f) {
    std::ostringstream out;
    write_exposition(set, f, out);
    return out.str();
}

TEST(Exposition, EscapesHostileLabelValues) {
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("say \"hi\""), "say \\\"hi\\\"");
    EXPECT_EQ(escape_label_value("two\nlines"), "two\\nlines");
    EXPECT_EQ(escape_label_value("bad\xff\xfe"), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(escape_label_value("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Exposition, HostileProcessNameStaysOneSample) {
    MetricSet set;
    set.add(Metric::ProcessSockets, {"host", "evil\"} 1\nportwatch_x 2\\", "ESTABLISHED"}, 3);
    const std::string out = text(set, Format::Text004);
    EXPECT_NE(out.find("portwatch_process_sockets{netns=\"host\",process=\"evil\\\"} "
                       "1\\nportwatch_x 2\\\\\",state=\"ESTABLISHED\"} 3\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("\nportwatch_x"), std::string::npos);
}

TEST(Exposition, TextFormatTypesAndHelp) {
    MetricSet set;
    set.add(Metric::BuildInfo, {"portwatch 1"}, 1);
    set.add(Metric::ScrapeErrors, {}, 2);
    set.add(Metric::PoolUtilisation, {"host", "tcp-connect", "10.0.0.1", "10.0.0.2:443"}, 0.25);
    set.add(Metric::PoolSizePorts, {"host", "tcp-local", "*", ""}, 100);
    const std::string out = text(set, Format::Text004);
    EXPECT_NE(out.find("# TYPE portwatch_build_info gauge\n"), std::string::npos);
    EXPECT_NE(out.find("# TYPE portwatch_scrape_errors_total counter\n"
                       "portwatch_scrape_errors_total 2\n"),
              std::string::npos);
    EXPECT_NE(out.find("portwatch_pool_utilisation_ratio{netns=\"host\",kind=\"tcp-connect\","
                       "local=\"10.0.0.1\",destination=\"10.0.0.2:443\"} 0.25\n"),
              std::string::npos);
    // An empty label value is left out.
    EXPECT_NE(out.find("portwatch_pool_size_ports{netns=\"host\",kind=\"tcp-local\",local=\"*\"}"
                       " 100\n"),
              std::string::npos);
    EXPECT_EQ(out.find("# EOF"), std::string::npos);
    EXPECT_EQ(out.find("# UNIT"), std::string::npos);
    // Families without samples are not written.
    EXPECT_EQ(out.find("portwatch_pool_free_ports"), std::string::npos);
}

TEST(Exposition, OpenMetricsFamiliesUnitsAndEof) {
    MetricSet set;
    set.add(Metric::BuildInfo, {"portwatch 1"}, 1);
    set.add(Metric::ScrapeErrors, {}, 2);
    set.add(Metric::ScrapeDuration, {}, 0.5);
    const std::string out = text(set, Format::OpenMetrics);
    EXPECT_NE(out.find("# TYPE portwatch_build info\nportwatch_build_info{version=\"portwatch "
                       "1\"} 1\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("# TYPE portwatch_scrape_errors counter\nportwatch_scrape_errors_total 2\n"),
              std::string::npos);
    EXPECT_NE(out.find("# UNIT portwatch_scrape_duration_seconds seconds\n"), std::string::npos);
    ASSERT_GE(out.size(), 6u);
    EXPECT_EQ(out.substr(out.size() - 6), "# EOF\n");
}

TEST(Exposition, Values) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(28232), "28232");
    EXPECT_EQ(format_value(0.125), "0.125");
    EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Exposition, Negotiation) {
    // What Prometheus 2.42 sends.
    EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/"
                        "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
                        "*;q=0.1"),
              Format::OpenMetrics);
    EXPECT_EQ(negotiate(""), Format::Text004);
    EXPECT_EQ(negotiate("*/*"), Format::Text004);
    EXPECT_EQ(negotiate("text/plain;version=0.0.4"), Format::Text004);
    EXPECT_EQ(negotiate("text/plain;q=0.9, application/openmetrics-text; q=0.5"), Format::Text004);
    EXPECT_EQ(negotiate("application/openmetrics-text;version=0.0.1"), Format::Text004);
    EXPECT_EQ(negotiate("application/openmetrics-text;q=0"), Format::Text004);
    EXPECT_EQ(content_type(Format::OpenMetrics),
              "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(MetricTable, FollowsTheConventions) {
    for (const MetricSpec& s : metric_table()) {
        EXPECT_TRUE(s.name.starts_with("portwatch_")) << s.name;
        EXPECT_FALSE(s.help.empty()) << s.name;
        EXPECT_EQ(s.type == MetricType::Counter, s.name.ends_with("_total")) << s.name;
        EXPECT_EQ(s.type == MetricType::Info, s.name.ends_with("_info")) << s.name;
        if (!s.unit.empty()) {
            EXPECT_TRUE(s.name.ends_with("_" + std::string(s.unit))) << s.name;
        }
        EXPECT_EQ(s.labels.find("pid"), std::string_view::npos) << s.name;
    }
}

TEST(MetricsDoc, MatchesTheTable) {
    std::ifstream file(PORTWATCH_SOURCE_DIR "/docs/metrics.md");
    ASSERT_TRUE(file) << "docs/metrics.md is missing: portwatch exporter --metrics-doc";
    std::stringstream on_disk;
    on_disk << file.rdbuf();
    std::ostringstream generated;
    write_metrics_doc(generated);
    EXPECT_EQ(on_disk.str(), generated.str())
        << "regenerate: portwatch exporter --metrics-doc > docs/metrics.md";
}

// A namespace with `sockets` TCP connections to `destinations` destinations (one connect()
// pool each), held by `names` process names.
struct Synthetic {
    analyze::Report report;
    core::Snapshot snapshot;
};

Synthetic synthetic(std::uint32_t sockets, std::uint32_t destinations, std::uint32_t names) {
    Synthetic s;
    s.report.netns_name = "blue";
    s.report.range_size = 28232;
    const auto local = *core::IpAddress::parse("10.0.0.1");
    for (std::uint32_t d = 0; d < destinations; ++d) {
        analyze::Pool p;
        p.key.kind = analyze::PoolKind::TcpConnect;
        p.key.local = local;
        p.key.remote.address = core::IpAddress::v4(0x0A010000u + d);
        p.key.remote.port = 443;
        p.size = 28232;
        const std::uint32_t n = sockets / destinations + (d < sockets % destinations ? 1 : 0);
        p.occupied = n;
        p.free = p.size - n;
        p.utilisation = double(n) / p.size;
        p.sockets = n;
        for (std::uint32_t i = 0; i < n; ++i) {
            p.states.add(i % 3 == 0 ? core::TcpState::TimeWait : core::TcpState::Established);
        }
        s.report.pools.push_back(std::move(p));
    }
    for (std::uint32_t i = 0; i < names; ++i) {
        core::Process proc;
        proc.pid = static_cast<std::int32_t>(100 + i);
        proc.name = "worker-" + std::to_string(i);
        s.snapshot.processes.push_back(proc);
    }
    for (std::uint32_t i = 0; i < sockets; ++i) {
        core::Socket sock;
        sock.state = core::TcpState::Established;
        sock.owners = {static_cast<std::int32_t>(100 + i % names)};
        s.snapshot.sockets.push_back(sock);
    }
    return s;
}

double sum(const MetricSet& set, Metric m) {
    double total = 0;
    for (const auto& s : set.samples(m)) {
        total += s.value;
    }
    return total;
}

TEST(Folding, HundredThousandSocketsToFiftyThousandDestinationsStayInBudget) {
    const Synthetic s = synthetic(100'000, 50'000, 300);
    FoldOptions options;  // the defaults the budget in docs/metrics.md is quoted for
    MetricSet set;
    FoldCounts folded;
    add_scope_metrics(s.report, &s.snapshot, nullptr, options, set, folded);
    EXPECT_LE(set.series(), series_budget_per_scope(options));
    EXPECT_LE(series_budget_per_scope(options), 1000u);  // the figure docs/metrics.md states
    EXPECT_EQ(folded.pools, 50'000u - options.top_pools);
    EXPECT_EQ(folded.processes, 300u - options.top_processes);
    EXPECT_EQ(set.samples(Metric::PoolSizePorts).size(), options.top_pools);
    // Folding sums; it loses nothing: every socket and used port is still counted once.
    EXPECT_EQ(sum(set, Metric::PoolSockets), 100'000);
    EXPECT_EQ(sum(set, Metric::PoolUsedPorts), 100'000);
    EXPECT_EQ(sum(set, Metric::ProcessSockets), 100'000);
    bool other = false;
    for (const auto& sample : set.samples(Metric::ProcessSockets)) {
        other = other || sample.labels[1] == "other";
    }
    EXPECT_TRUE(other);
}

TEST(Folding, SmallTopKFoldsMore) {
    const Synthetic s = synthetic(1000, 10, 5);
    FoldOptions options{.top_pools = 3, .top_processes = 2};
    MetricSet set;
    FoldCounts folded;
    add_scope_metrics(s.report, &s.snapshot, nullptr, options, set, folded);
    EXPECT_EQ(folded.pools, 7u);
    EXPECT_EQ(folded.processes, 3u);
    EXPECT_EQ(set.samples(Metric::PoolSizePorts).size(), 3u);
    std::map<std::string, double> by_name;
    for (const auto& sample : set.samples(Metric::ProcessSockets)) {
        by_name[sample.labels[1]] += sample.value;
    }
    EXPECT_EQ(by_name.size(), 3u);  // two names and other
    EXPECT_EQ(by_name["other"], 600);
    EXPECT_LE(set.series(), series_budget_per_scope(options));
}

TEST(Folding, ForecastsExactTimeWaitAndFailuresComeFromTheMonitor) {
    Synthetic s = synthetic(10, 1, 1);
    monitor::MonitorState state;
    monitor::PoolView pool;
    pool.pool = "tcp-connect 10.0.0.1 -> 10.1.0.0:443";
    pool.seconds_left = 1800;
    state.pools.push_back(pool);
    monitor::ProcessView proc;
    proc.name = "worker-0";
    proc.time_wait_exact = 7;
    proc.failures_total = 5;
    proc.failures_by_errno = {{99, 4}, {98, 1}};
    state.processes.push_back(proc);
    MetricSet with, without;
    FoldCounts folded;
    add_scope_metrics(s.report, &s.snapshot, &state, {}, with, folded);
    add_scope_metrics(s.report, &s.snapshot, nullptr, {}, without, folded);
    ASSERT_EQ(with.samples(Metric::PoolExhaustionSeconds).size(), 1u);
    EXPECT_EQ(with.samples(Metric::PoolExhaustionSeconds)[0].value, 1800);
    EXPECT_TRUE(without.samples(Metric::PoolExhaustionSeconds).empty());
    EXPECT_TRUE(without.samples(Metric::AllocationFailures).empty());
    std::map<std::string, double> failures;
    for (const auto& f : with.samples(Metric::AllocationFailures)) {
        failures[f.labels[2]] = f.value;
    }
    EXPECT_EQ(failures["EADDRNOTAVAIL"], 4);
    EXPECT_EQ(failures["EADDRINUSE"], 1);
    bool exact = false;
    for (const auto& t : with.samples(Metric::ProcessTimeWaitSockets)) {
        exact = exact || (t.labels[2] == "exact" && t.value == 7);
    }
    EXPECT_TRUE(exact);
}

// TIME_WAITs without an owner are attributed by remote endpoint; a socket sits in its connect()
// pool and in two local pools (the wildcard's and its address's), and was counted once in each.
TEST(Folding, InferredTimeWaitsCountOncePerSocket) {
    core::Snapshot snap;
    snap.config.ephemeral = core::PortRange{40000, 40999};
    core::Process proc;
    proc.pid = 100;
    proc.name = "client";
    snap.processes.push_back(proc);
    auto socket = [&](std::uint16_t port, core::TcpState state) {
        core::Socket s;
        s.protocol = core::Protocol::Tcp;
        s.state = state;
        s.local = {*core::IpAddress::parse("10.0.0.1"), port};
        s.remote = {*core::IpAddress::parse("10.1.0.1"), 443};
        if (state == core::TcpState::TimeWait) {
            s.timer = core::TimerKind::TimeWait;
            s.expires_ms = 30'000;
        } else {
            s.owners = {100};
            s.attribution = core::Attribution::Owned;
        }
        snap.sockets.push_back(s);
    };
    socket(40000, core::TcpState::Established);
    for (std::uint16_t i = 1; i <= 5; ++i) {
        socket(40000 + i, core::TcpState::TimeWait);
    }
    const auto report = analyze::diagnose(snap, nullptr, {});
    ASSERT_EQ(report.checked.time_wait_inferred, 5u);
    MetricSet set;
    FoldCounts folded;
    add_scope_metrics(report, &snap, nullptr, {}, set, folded);
    std::map<std::string, double> inferred;
    for (const auto& t : set.samples(Metric::ProcessTimeWaitSockets)) {
        if (t.labels[2] == "inferred") {
            inferred[t.labels[1]] = t.value;
        }
    }
    EXPECT_EQ(inferred, (std::map<std::string, double>{{"client", 5}}));
}

TEST(Folding, AnUnreadableNamespaceIsDown) {
    analyze::Report r;
    r.unknown = true;
    r.netns_name = "gone";
    MetricSet set;
    FoldCounts folded;
    add_scope_metrics(r, nullptr, nullptr, {}, set, folded);
    ASSERT_EQ(set.samples(Metric::ScopeUp).size(), 1u);
    EXPECT_EQ(set.samples(Metric::ScopeUp)[0].value, 0);
    EXPECT_TRUE(set.samples(Metric::RangePorts).empty());
}

Sampler counting_sampler(std::atomic<int>& calls, std::chrono::milliseconds takes) {
    return [&calls, takes]() -> Result<std::vector<live::ScopeSample>> {
        ++calls;
        std::this_thread::sleep_for(takes);
        std::vector<live::ScopeSample> samples(1);
        samples[0].report.netns_name = "blue";
        samples[0].report.range_size = 100;
        return samples;
    };
}

TEST(ScrapeCache, ConcurrentScrapesShareOneSnapshot) {
    std::atomic<int> calls{0};
    core::FixedClock clock(core::TimePoint{} + std::chrono::hours(1));
    ScrapeCache cache(counting_sampler(calls, std::chrono::milliseconds(300)), {}, clock, {});
    std::vector<std::thread> scrapers;
    std::atomic<int> got{0};
    for (int i = 0; i < 8; ++i) {
        scrapers.emplace_back([&] {
            if (cache.get()->samples(Metric::RangePorts).size() == 1) {
                ++got;
            }
        });
    }
    for (auto& t : scrapers) {
        t.join();
    }
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(got.load(), 8);
}

TEST(ScrapeCache, ReusedForMaxAgeThenTakenAgain) {
    std::atomic<int> calls{0};
    core::FixedClock clock(core::TimePoint{} + std::chrono::hours(1));
    ScrapeOptions options;
    options.max_age = std::chrono::milliseconds(1000);
    ScrapeCache cache(counting_sampler(calls, std::chrono::milliseconds(0)), {}, clock, options);
    cache.get();
    clock.set(clock.now() + std::chrono::milliseconds(999));
    cache.get();
    EXPECT_EQ(calls.load(), 1);
    clock.set(clock.now() + std::chrono::milliseconds(1));
    cache.get();
    EXPECT_EQ(calls.load(), 2);
}

TEST(ScrapeCache, FailuresAreCounted) {
    core::FixedClock clock(core::TimePoint{});
    int n = 0;
    ScrapeOptions options;
    options.max_age = std::chrono::milliseconds(0);
    ScrapeCache cache(
        [&n]() -> Result<std::vector<live::ScopeSample>> {
            if (++n == 1) {
                return make_error(ErrorKind::PermissionDenied, "no");
            }
            std::vector<live::ScopeSample> samples(1);
            samples[0].report.unknown = true;  // a namespace that could not be read
            return samples;
        },
        {}, clock, options);
    EXPECT_EQ(cache.get()->samples(Metric::ScrapeErrors)[0].value, 1);
    const auto second = cache.get();
    EXPECT_EQ(second->samples(Metric::ScrapeErrors)[0].value, 2);
    EXPECT_EQ(second->samples(Metric::ScopeUp)[0].value, 0);
}

}  // namespace
}  // namespace portwatch::exporter
