#pragma once
// How fast a pool (or one process's share of it) is being used up, and when it runs dry at
// that pace, from a series of samples taken while a monitor runs. Pure: samples in, numbers
// out; the caller says what "now" is.
//
// Usage of a port pool is not a straight line: a burst of connections holds its ports for one
// TIME_WAIT length (60 s on Linux) and gives them all back at once, and steady churn makes a
// sawtooth with that period. A least-squares line or the last two samples would read every
// burst as a leak. The estimator therefore asks three things of the window (default ten
// TIME_WAIT lengths):
//  1. the level: the samples averaged over one TIME_WAIT length, a moving mean in which any
//     pattern repeating every TIME_WAIT length (the drain of each burst) is flat;
//  2. the rate: the Theil-Sen slope of that level (the median of the slopes between pairs of
//     points), which one outlier cannot move;
//  3. that the growth is a trend of the whole window, not one jump: Kendall's tau of the level
//     is at least `min_agreement` (most pairs of points rise), and the raw samples rise in
//     every quarter of the span the level covers (a burst rises in one quarter only).
// Only then is the pool "growing"; its time left is the free ports above the fitted line's
// value now (a robust intercept over the raw samples) divided by the rate.

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

#include "core/clock.h"

namespace portwatch::analyze {

struct ForecastOptions {
    std::chrono::seconds time_wait{60};  // the period the level is averaged over
    std::chrono::seconds window{600};    // samples older than this are dropped
    // The level must cover at least this long before anything is said (a forecast after a
    // minute and a half, with the default TIME_WAIT length, has 30 s of level).
    std::chrono::seconds min_level_span{30};
    double min_agreement = 0.6;  // Kendall's tau of the level, at least
    // The rise over the level's span must be at least this many units (ports), so rounding
    // noise on a flat pool is not a trend.
    double min_rise = 2.0;
    std::size_t max_points = 256;  // samples kept: older ones are thinned to fit
};

struct Forecast {
    bool growing = false;
    // The robust rate of the level, also when it is not a trend (negative: draining); 0 until
    // the level covers min_level_span.
    double per_minute = 0;
    std::optional<double> seconds_left;  // unset when not growing or capacity unknown
    double level = 0;                    // the fitted usage now
};

// One series (a pool's used ports, a process's ports) and its forecast.
class ForecastSeries {
  public:
    explicit ForecastSeries(ForecastOptions options = {}) : options_(options) {}

    // Samples must come in time order; one at or before the last is ignored.
    void add(core::TimePoint at, double value);
    // The forecast at `now` for a pool of `capacity` units (ports that can be used in all).
    Forecast forecast(core::TimePoint now, double capacity) const;
    bool empty() const { return points_.empty(); }
    core::TimePoint last_at() const {
        return points_.empty() ? core::TimePoint{} : points_.back().at;
    }

  private:
    struct Point {
        core::TimePoint at;
        double value = 0;
    };
    void thin();

    ForecastOptions options_;
    std::deque<Point> points_;
};

}  // namespace portwatch::analyze
