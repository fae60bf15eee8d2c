#pragma once

#include <ostream>
#include <span>

#include "analyze/trend.h"

namespace portwatch::render {

// "Trend over N captures ...": the worst pool's usage, the forecast, and each process's rate.
void render_trend_text(std::ostream& out, const analyze::Trend& trend,
                       std::span<const analyze::TimedReport> series);

}  // namespace portwatch::render
