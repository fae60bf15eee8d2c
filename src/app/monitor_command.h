#pragma once
// `portwatch monitor`: watch one network namespace continuously: which event source runs and
// why, one status line per sample, alerts on stderr (and --on-alert), history to the store.

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "app/live_args.h"
#include "app/report_args.h"
#include "core/result.h"
#include "monitor/monitor.h"

namespace portwatch::app {

struct MonitorCommandOptions {
    monitor::MonitorOptions monitor;
    std::string db;  // --db, else the default place (store::default_history_path)
    bool no_db = false;
    std::optional<std::chrono::milliseconds> duration;  // unset: until SIGINT/SIGTERM
    bool json = false;
    std::size_t top = 5;  // processes in each JSON status line
    // A status line at most this often (the first sample's always); zero: every sample.
    std::chrono::milliseconds status_every{0};
};

struct MonitorArgs {
    std::string source = "auto";
    std::string interval = "1s";
    std::string netns;
    std::string alert_below = "1h";
    std::string alert_timeout = "10s";
    std::string on_alert;
    std::string db;
    bool no_db = false;
    std::string duration;
    std::string status_every;
    bool json = false;
    LiveArgs live;
    ReportArgs report;
};

CLI::App* add_monitor_command(CLI::App& app, MonitorArgs& args);
Result<MonitorCommandOptions> finish_monitor_args(const MonitorArgs& args);
// 0 when stopped (SIGINT, SIGTERM, --duration over); kExitFailure when the monitor could not
// start or its event source broke.
int run_monitor(const MonitorCommandOptions& options, std::ostream& out, std::ostream& err);

// "1s", "500ms", "2m", "1h", "1d"; a bare number is seconds. Whole numbers only.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace portwatch::app
