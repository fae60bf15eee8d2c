#pragma once
// `portwatch top`'s frame as a pure function: the monitor's state and the view settings in,
// the lines to draw out. Everything from the state that reaches the screen goes through
// render::terminal_safe; every line fits the terminal's width; the frame has exactly `rows`
// lines (batch: as many as it needs).

#include <vector>

#include "monitor/state.h"
#include "tui/view.h"

namespace portwatch::tui {

// The processes the view lists: those the filter keeps, in the sort key's order (largest
// first for counts and rates, A-Z for names, ascending pids), ties by pid.
std::vector<const monitor::ProcessView*> visible_processes(const monitor::MonitorState& state,
                                                           const ViewSettings& view);

Frame layout(const monitor::MonitorState& state, const ViewSettings& view);

}  // namespace portwatch::tui
