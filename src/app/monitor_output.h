#pragma once
// What `portwatch monitor` prints: one status line per sample (text, or one JSON object per
// line with --json), and the JSON an --on-alert command reads. The monitor layer decides what
// and when; it cannot use render (render is below it only for the engine's own data), so the
// formatting of its state lives here, through render::JsonWriter and render::terminal_safe.

#include <ostream>
#include <string>

#include "monitor/alert.h"
#include "monitor/state.h"

namespace portwatch::app {

// "2026-12-02T11:02:03.000Z OK poll | tcp-connect 10.0.0.1 -> 10.0.0.2:443 62% 124/200
//  +12/min dry in 5m10s | leaky (pid 10) 124 ports, 80 TIME_WAIT (80 exact) | events 12"
void write_status_text(std::ostream& out, const monitor::MonitorState& state);
// The same as one JSON object on one line (schema portwatch.monitor/1, docs/monitor.md).
void write_status_json(std::ostream& out, const monitor::MonitorState& state, std::size_t top);
// The alert an --on-alert command gets on standard input (schema portwatch.alert/1).
std::string alert_json(const monitor::Alert& alert);

// "45s", "3m20s", "1h05m", "2d04h".
std::string duration_text(double seconds);

}  // namespace portwatch::app
