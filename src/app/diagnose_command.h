#pragma once
// `portwatch diagnose`: which pool is running dry, who drains it, what to do; Nagios exit codes.

#include <CLI/CLI.hpp>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "analyze/report.h"
#include "app/live_args.h"
#include "app/report_args.h"
#include "collect/live_source.h"
#include "core/result.h"
#include "render/report_renderer.h"

namespace portwatch::app {

struct DiagnoseOptions {
    collect::LiveOptions live;  // one scope (Linux: live.platform.netns); see all_netns
    bool all_netns = false;     // every scope of the host (Linux: --netns all)
    analyze::Thresholds thresholds;
    render::ReportOptions report;
    bool json = false;
};

// Raw option text as CLI11 fills it.
struct DiagnoseArgs {
    bool json = false;
    LiveArgs live;
    ReportArgs report;
};

CLI::App* add_diagnose_command(CLI::App& app, DiagnoseArgs& args);
Result<DiagnoseOptions> finish_diagnose_args(const DiagnoseArgs& args);
int run_diagnose(const DiagnoseOptions& options, std::ostream& out, std::ostream& err);

// The exit status of a run: analyze::nagios_status as a number.
int exit_code_for(std::span<const analyze::Report> reports);

}  // namespace portwatch::app
