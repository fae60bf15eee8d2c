#pragma once
// The loops of `portwatch top`: on a terminal (ncurses, keys, resizes) or as plain text.
// Both read the monitor through a Feed, so the monitor itself stays out of this layer's
// dependencies on the terminal, and the loops can run on any source of states.

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>

#include "core/result.h"
#include "monitor/state.h"
#include "tui/view.h"

namespace portwatch::tui {

struct Feed {
    // Takes the next sample; blocks at most about one interval. An error ends the view.
    std::function<Result<void>()> step;
    // The state after the last step (copied: the terminal loop steps on a thread of its own).
    std::function<monitor::MonitorState()> state;
    // Makes a step under way return soon (unset: the view waits for it when it ends). Called
    // from the view's thread when it ends, so q does not wait out the interval.
    std::function<void()> interrupt;
};

struct RunOptions {
    ViewSettings view;                      // sort and filter to start with; utf8 is detected
    std::optional<std::size_t> iterations;  // samples shown before it ends; none: until quit
};

// How the view ended: by the user (q, or the iterations done) or by a signal (its number).
struct Ended {
    int signal = 0;
};

// The interactive view on the terminal of standard input and output. The terminal is
// restored on every way out: q, SIGTERM/SIGINT/SIGHUP (returned, not fatal), an error from
// the feed, an exception. Samples are taken on a second thread, so keys answer at once.
Result<Ended> run_terminal(const Feed& feed, const RunOptions& options);

// Plain frames on `out`: the current state first, then one per step; stops after
// `iterations` frames or when `out` fails (a closed pipe).
Result<Ended> run_plain(const Feed& feed, const RunOptions& options, std::ostream& out);

// The local time zone's offset from UTC now, for the clock in the title.
std::chrono::seconds local_utc_offset(core::TimePoint at);

}  // namespace portwatch::tui
