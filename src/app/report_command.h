#pragma once
// `portwatch report`: one self-contained evidence file for the application's vendor (what ran
// out, who drained it, since when, how fast, with which connections, what to change), from a
// live diagnosis, from the monitor's history, or from saved captures. docs/report.md.

#include <CLI/CLI.hpp>
#include <chrono>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "analyze/severity.h"
#include "app/history_command.h"
#include "app/live_args.h"
#include "app/report_args.h"
#include "capture/host_defaults.h"
#include "collect/live_source.h"
#include "core/clock.h"
#include "core/result.h"
#include "render/evidence.h"
#include "render/evidence_renderer.h"

namespace portwatch::app {

struct ReportCommandOptions {
    render::EvidenceSource source = render::EvidenceSource::Live;
    collect::LiveOptions live;  // Live
    // Live: diagnoses every `interval` for `duration` (0: one), the charts' points.
    std::chrono::milliseconds duration{10'000}, interval{1'000};
    std::string db;                     // History; empty: store::default_history_path()
    HistoryTime since, until;           // History
    std::vector<std::string> captures;  // Captures ("-": standard input)
    capture::RangeChoice range;         // Captures: --range
    render::EvidenceFormat format = render::EvidenceFormat::Html;
    std::string output;  // empty: standard output
    analyze::Thresholds thresholds;
    render::EvidenceLimits limits;
    const core::Clock* clock = &core::system_clock();
};

struct ReportCommandArgs {
    bool from_history = false;
    std::string since, until, db;
    std::vector<std::string> captures;
    std::string range;
    std::string format = "html";
    std::string output;
    std::string duration = "10s", interval = "1s";
    LiveArgs live;
    ReportArgs report;
};

CLI::App* add_report_command(CLI::App& app, ReportCommandArgs& args);
Result<ReportCommandOptions> finish_report_command_args(const ReportCommandArgs& args);
// Writes the report; 0 when it was written (whatever its verdict), 1 when the data could not
// be read or the file not written (message on stderr).
int run_report(const ReportCommandOptions& options, std::istream& stdin_stream, std::ostream& out,
               std::ostream& err);

}  // namespace portwatch::app
