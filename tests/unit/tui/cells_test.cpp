#include "tui/cells.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "render/utf8.h"

namespace {

using namespace portwatch::tui;
using portwatch::render::display_width;

TEST(Gauge, BarsThenThePercentageInsideTheBrackets) {
    EXPECT_EQ(gauge(0.42, 22), "[||||||||       42.0%]");
    EXPECT_EQ(gauge(0.0, 12), "[      0.0%]");
    EXPECT_EQ(gauge(1.0, 10), "[||100.0%]");
}

TEST(Gauge, OutOfRangeIsClampedAndTheWidthKept) {
    EXPECT_EQ(gauge(7.5, 10), gauge(1.0, 10));
    EXPECT_EQ(gauge(-1, 10), gauge(0, 10));
    EXPECT_EQ(gauge(std::nan(""), 10), gauge(0, 10));
    for (std::size_t w = 2; w < 40; ++w) {
        EXPECT_EQ(gauge(0.337, w).size(), w);
    }
    EXPECT_EQ(gauge(0.5, 6), "[||  ]");  // no room for the percentage: bars only
}

TEST(Sparkline, BlocksScaledToTheLargestShown) {
    std::vector<std::uint32_t> v = {0, 1, 2, 3, 4, 5, 6, 7};
    EXPECT_EQ(sparkline(v, 8, true), "▁▂▃▄▅▆▇█");
    EXPECT_EQ(sparkline(v, 8, false), "_.:-=+*#");
}

TEST(Sparkline, RightAlignedOrSharedOutByTheLargest) {
    std::vector<std::uint32_t> v = {100, 0, 50};
    EXPECT_EQ(sparkline(v, 5, false), "  #_=");
    EXPECT_EQ(sparkline(v, 2, false), "#=");  // {100} and {0, 50}: each column its largest
    std::vector<std::uint32_t> minutes(300, 10);
    minutes[7] = 80;  // a short peak long ago still shows
    EXPECT_EQ(sparkline(minutes, 6, false), "#.....");
    EXPECT_EQ(sparkline(v, 3, false, 200), "=_:");  // scaled to 200: 100 is half
    EXPECT_EQ(sparkline(v, 3, false, 20), "#_#");   // past the scale: the top level
    std::vector<std::uint32_t> zeros(4, 0);
    EXPECT_EQ(sparkline(zeros, 4, true), "▁▁▁▁");
    EXPECT_EQ(display_width(sparkline(v, 9, true)), 9u);
}

TEST(TimeLeft, MinutesHoursDaysAndADashWhenNotGrowing) {
    EXPECT_EQ(time_left(std::nullopt, true), "—");
    EXPECT_EQ(time_left(std::nullopt, false), "-");
    EXPECT_EQ(time_left(45.9, true), "45s");
    EXPECT_EQ(time_left(84.5, true), "1m 24s");
    EXPECT_EQ(time_left(9 * 60 + 59, true), "9m 59s");
    EXPECT_EQ(time_left(12 * 60 + 59, true), "12m");
    EXPECT_EQ(time_left(3 * 3600 + 5 * 60 + 10, true), "3h 5m");
    EXPECT_EQ(time_left(2 * 86400 + 4 * 3600, true), "2d 4h");
    EXPECT_EQ(time_left(-5, true), "0s");
    EXPECT_EQ(time_left(INFINITY, true), "—");
}

TEST(Numbers, RatesAndPerSecondCompact) {
    EXPECT_EQ(rate_per_minute(12), "+12/m");
    EXPECT_EQ(rate_per_minute(-3), "-3/m");
    EXPECT_EQ(rate_per_minute(0.01), "0/m");
    EXPECT_EQ(rate_per_minute(0.4), "+0.4/m");
    EXPECT_EQ(rate_per_minute(1234), "+1.2k/m");
    EXPECT_EQ(per_second(0), "0");
    EXPECT_EQ(per_second(0.44), "0.4");
    EXPECT_EQ(per_second(12.2), "12");
    EXPECT_EQ(per_second(45000), "45k");
}

TEST(Truncate, EllipsisOnlyWhenCutAndNeverWider) {
    EXPECT_EQ(truncate("abcdef", 6, true), "abcdef");
    EXPECT_EQ(truncate("abcdef", 4, true), "abc…");
    EXPECT_EQ(truncate("abcdef", 4, false), "abc~");
    EXPECT_EQ(truncate("ééééé", 3, true), "éé…");
    EXPECT_EQ(truncate("abc", 0, true), "");
    EXPECT_EQ(truncate_front("10.0.0.1 -> 10.0.0.2:443", 19, true), "….1 -> 10.0.0.2:443");
    EXPECT_EQ(truncate_front("ééééé", 3, false), "~éé");
    EXPECT_EQ(truncate_front("abc", 3, true), "abc");
    EXPECT_EQ(fit_left("ab", 4, true), "ab  ");
    EXPECT_EQ(fit_right("ab", 4, true), "  ab");
    EXPECT_EQ(fit_right("abcdef", 4, false), "abc~");
}

}  // namespace
