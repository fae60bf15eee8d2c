#pragma once
// Line and area charts as inline SVG, drawn by portwatch itself so that the report renders
// offline, needs no script, and prints cleanly: time on the x axis (UTC), the value on the y
// axis from zero, horizontal reference lines (a pool's size, the severity thresholds), a
// legend. Series names come from the system and are escaped (html_escape).

#include <cstddef>
#include <ostream>
#include <span>
#include <vector>

#include "render/evidence.h"

namespace portwatch::render {

struct SvgSize {
    int width = 960;  // the viewBox; the element scales to its container
    int height = 260;
};

// One <svg> element (class "chart", id chart.id). An empty chart writes a short note instead.
void write_svg_chart(std::ostream& out, const Chart& chart, const SvgSize& size = {});

// At most `max_points` points: the series cut into equal spans of time, each kept by its
// highest point (the peak is the evidence); a series that fits is returned as it is.
std::vector<ChartPoint> downsample(std::span<const ChartPoint> points, std::size_t max_points);

}  // namespace portwatch::render
