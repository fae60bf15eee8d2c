#pragma once
// `portwatch top` when standard output is not a terminal: frames as plain text, like
// `top -b`, each followed by a blank line.

#include <ostream>

#include "monitor/state.h"
#include "tui/view.h"

namespace portwatch::tui {

// Every pool and every process the filter keeps, `view.cols` wide, no key bar.
void write_plain_frame(std::ostream& out, const monitor::MonitorState& state,
                       const ViewSettings& view);

}  // namespace portwatch::tui
