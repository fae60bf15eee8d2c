// The forecast on synthetic series: a steady leak is forecast within 20%, a burst or the
// TIME_WAIT sawtooth of steady churn is not a leak.

#include "analyze/forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>

namespace portwatch::analyze {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kStart = core::TimePoint{} + std::chrono::hours(24 * 365 * 50);

// A small deterministic noise in [-amplitude, amplitude] (a linear congruential generator).
class Noise {
  public:
    explicit Noise(int amplitude) : amplitude_(amplitude) {}
    int next() {
        state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
        return amplitude_ == 0
                   ? 0
                   : static_cast<int>((state_ >> 33) % (2 * amplitude_ + 1)) - amplitude_;
    }

  private:
    int amplitude_;
    std::uint64_t state_ = 42;
};

// Feeds `used(t)` (t in seconds) once a second from 0 to `until`, calling `check(t, forecast)`
// after each sample.
void run(const std::function<double(int)>& used, int until, double capacity,
         const std::function<void(int, const Forecast&)>& check, ForecastOptions o = {}) {
    ForecastSeries series(o);
    for (int t = 0; t <= until; ++t) {
        const auto at = kStart + std::chrono::seconds(t);
        series.add(at, std::round(used(t)));
        check(t, series.forecast(at, capacity));
    }
}

TEST(Forecast, SteadyLeakIsForecastWithinTwentyPercent) {
    // 2 ports a second on top of 40 held, with +-3 of churn: 1000 ports run out at t = 480.
    Noise noise(3);
    int forecasts = 0;
    run([&](int t) { return 40 + 2.0 * t + noise.next(); }, 420, 1000,
        [&](int t, const Forecast& f) {
            if (t < 120) {
                return;  // the level needs a TIME_WAIT length and its minimum span
            }
            ASSERT_TRUE(f.growing) << "t=" << t;
            ASSERT_TRUE(f.seconds_left.has_value());
            const double truth = 480.0 - t;
            EXPECT_NEAR(*f.seconds_left, truth, 0.2 * truth) << "t=" << t;
            EXPECT_NEAR(f.per_minute, 120, 24) << "t=" << t;
            ++forecasts;
        });
    EXPECT_EQ(forecasts, 301);
}

TEST(Forecast, LeakUnderTheTimeWaitSawtoothIsForecastWithinTwentyPercent) {
    // One port a second leaked, and churn whose TIME_WAITs pile up for 60 s and drain at once
    // (0..120 ports, every 60 s). 2000 ports: run out when 200 + t + churn reaches 2000.
    run([](int t) { return 200 + 1.0 * t + 2.0 * (t % 60); }, 900, 2000,
        [](int t, const Forecast& f) {
            if (t < 300) {
                return;
            }
            ASSERT_TRUE(f.growing) << "t=" << t;
            // The level (the churn averaged over its period) reaches 2000 at 200 + t + 59 = 2000.
            const double truth = 1741.0 - t;
            EXPECT_NEAR(*f.seconds_left, truth, 0.2 * truth) << "t=" << t;
        });
}

TEST(Forecast, OneOffBurstGivesNoForecast) {
    // 50 ports held; at t = 200 a burst of 300 connections, whose TIME_WAITs drain 60 s later.
    Noise noise(2);
    run([&](int t) { return 50 + (t >= 200 && t < 260 ? 300 : 0) + noise.next(); }, 900, 400,
        [](int t, const Forecast& f) {
            EXPECT_FALSE(f.growing) << "t=" << t << " per_minute=" << f.per_minute;
            EXPECT_FALSE(f.seconds_left.has_value()) << "t=" << t;
        });
}

TEST(Forecast, BurstThatRampsOverTenSecondsGivesNoForecast) {
    run(
        [](int t) {
            double burst = t < 400 ? 0 : t < 410 ? 25.0 * (t - 400) : t < 460 ? 250 : 0;
            return 80 + burst;
        },
        900, 400, [](int t, const Forecast& f) { EXPECT_FALSE(f.growing) << "t=" << t; });
}

TEST(Forecast, TimeWaitSawtoothAtSteadyStateIsNotGrowing) {
    // Steady churn: connections every second, each TIME_WAIT generation drained every 60 s
    // (a cron job's burst, a batch client): 100 + 0..177 ports, forever.
    Noise noise(2);
    run([&](int t) { return 100 + 3.0 * (t % 60) + noise.next(); }, 1200, 400,
        [](int t, const Forecast& f) {
            EXPECT_FALSE(f.growing) << "t=" << t << " per_minute=" << f.per_minute;
        });
}

TEST(Forecast, FlatAndDrainingAreNotGrowing) {
    run([](int) { return 120.0; }, 600, 200,
        [](int t, const Forecast& f) { EXPECT_FALSE(f.growing) << "t=" << t; });
    run([](int t) { return 900 - 1.0 * t; }, 600, 1000,
        [](int t, const Forecast& f) {
            EXPECT_FALSE(f.growing) << "t=" << t;
            if (t >= 120) {
                EXPECT_NEAR(f.per_minute, -60, 1) << "t=" << t;
            }
        });
}

TEST(Forecast, SlowLeakIsFoundOnceTheWindowShowsIt) {
    // One port a minute (a connection pool that never gives one back): 500 of 520 used.
    bool found = false;
    run([](int t) { return 500 + std::floor(t / 60.0); }, 900, 520,
        [&](int t, const Forecast& f) {
            if (f.growing) {
                found = true;
                const double truth = (520 - (500 + t / 60.0)) * 60;
                EXPECT_NEAR(*f.seconds_left, truth, 0.2 * truth + 60) << "t=" << t;
            }
        });
    EXPECT_TRUE(found);
}

TEST(Forecast, NothingBeforeTheLevelCoversItsSpan) {
    ForecastSeries s;
    EXPECT_FALSE(s.forecast(kStart, 100).growing);
    for (int t = 0; t < 80; ++t) {
        s.add(kStart + std::chrono::seconds(t), 10.0 * t);
        EXPECT_FALSE(s.forecast(kStart + std::chrono::seconds(t), 1000).growing) << t;
    }
}

TEST(Forecast, ThinnedSeriesKeepsItsNewestSample) {
    ForecastOptions o;
    o.max_points = 16;  // one point per 37.5 s of the 600 s window
    ForecastSeries s(o);
    for (int t = 0; t <= 100; ++t) {
        s.add(kStart + std::chrono::seconds(t), t);
    }
    EXPECT_EQ(s.last_at(), kStart + 100s);
}

}  // namespace
}  // namespace portwatch::analyze
