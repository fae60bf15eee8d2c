#include "analyze/forecast.h"

#include <algorithm>
#include <vector>

namespace portwatch::analyze {

namespace {

using Seconds = std::chrono::duration<double>;

double seconds_between(core::TimePoint from, core::TimePoint to) {
    return std::chrono::duration_cast<Seconds>(to - from).count();
}

struct XY {
    double x = 0;  // seconds before now (negative)
    double y = 0;
};

double median(std::vector<double>& v) {
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double upper = *mid;
    if (v.size() % 2 == 1) {
        return upper;
    }
    return (upper + *std::max_element(v.begin(), mid)) / 2;
}

// At most `limit` points, evenly spread over `points` (first and last kept).
std::vector<XY> spread(const std::vector<XY>& points, std::size_t limit) {
    if (points.size() <= limit || limit < 2) {
        return points;
    }
    std::vector<XY> out;
    out.reserve(limit);
    for (std::size_t i = 0; i < limit; ++i) {
        out.push_back(points[i * (points.size() - 1) / (limit - 1)]);
    }
    return out;
}

// The Theil-Sen slope (median of the pairwise slopes) and Kendall's tau of `points`.
struct Fit {
    double slope = 0;
    double tau = 0;
};

Fit theil_sen(const std::vector<XY>& points) {
    Fit fit;
    std::vector<double> slopes;
    slopes.reserve(points.size() * (points.size() - 1) / 2);
    long long concordant = 0, discordant = 0, pairs = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        for (std::size_t j = i + 1; j < points.size(); ++j) {
            double dx = points[j].x - points[i].x;
            if (dx <= 0) {
                continue;
            }
            double dy = points[j].y - points[i].y;
            slopes.push_back(dy / dx);
            ++pairs;
            concordant += dy > 0;
            discordant += dy < 0;
        }
    }
    if (slopes.empty()) {
        return fit;
    }
    fit.slope = median(slopes);
    fit.tau = static_cast<double>(concordant - discordant) / static_cast<double>(pairs);
    return fit;
}

}  // namespace

void ForecastSeries::add(core::TimePoint at, double value) {
    if (!points_.empty() && at <= points_.back().at) {
        return;
    }
    // Thin: the newest sample replaces the previous one while they are closer than the spacing
    // that fits max_points into the window, so the latest value is always the newest.
    const auto spacing =
        options_.window / static_cast<long>(std::max<std::size_t>(options_.max_points, 2));
    if (points_.size() >= 2 && at - points_[points_.size() - 2].at < spacing) {
        points_.back() = {at, value};
    } else {
        points_.push_back({at, value});
    }
    thin();
}

void ForecastSeries::thin() {
    const auto horizon = points_.back().at - options_.window;
    while (!points_.empty() && points_.front().at < horizon) {
        points_.pop_front();
    }
}

Forecast ForecastSeries::forecast(core::TimePoint now, double capacity) const {
    Forecast f;
    if (points_.empty()) {
        return f;
    }
    f.level = points_.back().value;
    // A flat series (most processes, most of the time) is not growing: no fit needed.
    const auto [lo, hi] =
        std::minmax_element(points_.begin(), points_.end(),
                            [](const Point& a, const Point& b) { return a.value < b.value; });
    if (hi->value - lo->value < options_.min_rise) {
        return f;
    }
    const double tw = static_cast<double>(options_.time_wait.count());
    std::vector<XY> raw;
    raw.reserve(points_.size());
    for (const auto& p : points_) {
        raw.push_back({seconds_between(now, p.at), p.value});
    }
    // 1. The level: the mean of the samples in the TIME_WAIT length ending at each sample,
    // from the first sample that has a whole TIME_WAIT length behind it.
    std::vector<XY> level;
    double sum = 0;
    std::size_t tail = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        sum += raw[i].y;
        while (raw[tail].x <= raw[i].x - tw) {
            sum -= raw[tail].y;
            ++tail;
        }
        if (raw[i].x - raw.front().x >= tw) {
            level.push_back({raw[i].x, sum / static_cast<double>(i - tail + 1)});
        }
    }
    if (level.size() < 3 ||
        level.back().x - level.front().x < static_cast<double>(options_.min_level_span.count())) {
        return f;
    }
    // 2. The rate: Theil-Sen over the level (at most 64 points: 2016 pairs).
    const Fit fit = theil_sen(spread(level, 64));
    const double span = level.back().x - level.front().x;
    // The fitted line now: the median of each raw sample moved along the slope to now.
    std::vector<double> at_now;
    at_now.reserve(raw.size());
    for (const auto& p : raw) {
        at_now.push_back(p.y - fit.slope * p.x);
    }
    f.level = median(at_now);
    f.per_minute = fit.slope * 60;
    if (fit.slope <= 0 || fit.slope * span < options_.min_rise ||
        fit.tau < options_.min_agreement) {
        return f;
    }
    // 3. A trend of the whole span: the raw samples rise in every quarter of it (a burst, or
    // a step up, rises in one quarter and is flat or draining in the others).
    const double start = level.front().x;
    int rising = 0;
    for (int q = 0; q < 4; ++q) {
        const double from = start + span * q / 4, to = start + span * (q + 1) / 4;
        std::vector<XY> part;
        for (const auto& p : raw) {
            if (p.x >= from && p.x <= to) {
                part.push_back(p);
            }
        }
        if (part.size() >= 2 && theil_sen(spread(part, 32)).slope > 0) {
            ++rising;
        } else if (part.size() >= 2 && part.back().y > part.front().y) {
            ++rising;  // a slow staircase: the median pair is flat, the quarter still rose
        }
    }
    if (rising < 4) {
        return f;
    }
    f.growing = true;
    if (capacity > 0) {
        f.seconds_left = std::max(0.0, (capacity - f.level) / fit.slope);
    }
    return f;
}

}  // namespace portwatch::analyze
