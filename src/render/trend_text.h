#pragma once

#include <ostream>
#include <span>

#include "analyze/trend.h"
#include "render/json_writer.h"

namespace portwatch::render {

// "Trend over N captures ...": the worst pool's usage, the forecast, and each process's rate.
void render_trend_text(std::ostream& out, const analyze::Trend& trend,
                       std::span<const analyze::TimedReport> series);

// The same as an object of the analyze JSON document (docs/analyze.md).
void write_trend_json(JsonWriter& json, const analyze::Trend& trend);

}  // namespace portwatch::render
