// The trend over several captures, on reports built by hand.
#include "analyze/trend.h"

#include <gtest/gtest.h>

namespace portwatch::analyze {
namespace {

using namespace std::chrono;

Report report(system_clock::time_point at, std::uint32_t free, std::vector<OwnerShare> owners) {
    Report r;
    r.taken_at = at;
    Pool p;
    p.key.kind = PoolKind::TcpLocal;
    p.size = 1000;
    p.free = free;
    p.owners = std::move(owners);
    r.pools.push_back(p);
    return r;
}

TEST(AnalyzeTrend, SlopeForecastAndProcesses) {
    auto t0 = sys_days{2026y / 11 / 25} + 8h;
    auto a = report(t0, 900, {{10, "a.exe", 50, 0, {}, {}}, {20, "b.exe", 50, 0, {}, {}}});
    auto b = report(t0 + 1h, 700, {{10, "a.exe", 250, 0, {}, {}}, {20, "b.exe", 50, 0, {}, {}}});
    auto c = report(t0 + 2h, 500, {{10, "a.exe", 450, 0, {}, {}}, {20, "b.exe", 50, 0, {}, {}}});
    std::vector<TimedReport> series{{&a, "1", "x"}, {&b, "2", "x"}, {&c, "3", "x"}};
    auto t = compute_trend(series);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->used_first, 100u);
    EXPECT_EQ(t->used_last, 500u);
    EXPECT_DOUBLE_EQ(t->used_per_hour, 200.0);
    ASSERT_TRUE(t->hours_left);
    EXPECT_DOUBLE_EQ(*t->hours_left, 2.5);
    ASSERT_EQ(t->processes.size(), 2u);
    EXPECT_EQ(t->processes[0].pid, 10);
    EXPECT_DOUBLE_EQ(t->processes[0].per_hour, 200.0);
    EXPECT_DOUBLE_EQ(t->processes[1].per_hour, 0.0);
}

TEST(AnalyzeTrend, ShrinkingUsageHasNoForecast) {
    auto t0 = sys_days{2026y / 11 / 25} + 8h;
    auto a = report(t0, 500, {});
    auto b = report(t0 + 30min, 800, {});
    std::vector<TimedReport> series{{&a, "1", "x"}, {&b, "2", "x"}};
    auto t = compute_trend(series);
    ASSERT_TRUE(t);
    EXPECT_LT(t->used_per_hour, 0.0);
    EXPECT_FALSE(t->hours_left);
}

TEST(AnalyzeTrend, NeedsTwoTimes) {
    auto t0 = sys_days{2026y / 11 / 25} + 8h;
    auto a = report(t0, 500, {});
    auto b = report(t0, 400, {});
    std::vector<TimedReport> same{{&a, "1", "x"}, {&b, "2", "x"}};
    EXPECT_FALSE(compute_trend(same));
    std::vector<TimedReport> one{{&a, "1", "x"}};
    EXPECT_FALSE(compute_trend(one));
}

}  // namespace
}  // namespace portwatch::analyze
