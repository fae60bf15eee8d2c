#pragma once
// `portwatch top`: the monitor's state live, as top/htop users expect: pools with gauges and
// time to exhaustion, processes by ports held, keys to sort, filter, pause. On a terminal
// through ncurses (tui/run.h); plain text frames when standard output is not one.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

#include "core/result.h"
#include "monitor/monitor.h"
#include "tui/view.h"

namespace portwatch::app {

struct TopOptions {
    monitor::MonitorOptions monitor;        // scope (netns), event source, interval
    tui::ViewSettings view;                 // sort to start with
    std::optional<std::size_t> iterations;  // -n / --once: frames before it ends
    bool batch = false;                     // plain text even on a terminal
};

// Raw option text as CLI11 fills it.
struct TopArgs {
    std::string interval = "1";
    std::string netns;
    std::string source = "auto";
    std::string sort = "ports";
    std::string owners = "auto";
    std::size_t iterations = 0;
    bool once = false;
    bool batch = false;
    CLI::Option* iterations_option = nullptr;
};

CLI::App* add_top_command(CLI::App& app, TopArgs& args);
Result<TopOptions> finish_top_args(const TopArgs& args);
// 0 when the user quit or the iterations are done; 128 + the signal that ended it; 1 when the
// monitor could not start or broke (message on stderr, after the terminal is restored).
int run_top(const TopOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
