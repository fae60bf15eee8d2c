#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "analyze/trend.h"
#include "render/json_writer.h"

namespace portwatch::render {

// One line of the trend's list of captures.
struct TrendCapture {
    std::chrono::system_clock::time_point taken_at;
    std::string label;             // "netstat.txt" or "trend.txt #2"
    std::string_view time_origin;  // "'# taken at' line", "--at", ...
};

// "Trend over N captures ...": the captures in time order (`capture(i)` for i < `captures`,
// asked for one at a time so a caller with 100,000 of them need not build the list), the worst
// pool's usage, the forecast, and each process's rate.
void render_trend_text(std::ostream& out, const analyze::Trend& trend, std::size_t captures,
                       const std::function<TrendCapture(std::size_t)>& capture);

// The same as an object of the analyze JSON document (docs/analyze.md).
void write_trend_json(JsonWriter& json, const analyze::Trend& trend);

}  // namespace portwatch::render
