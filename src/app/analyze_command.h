#pragma once
// `portwatch analyze FILE...`: the diagnose verdict on saved captures (Windows netstat -anob
// and friends, ss, Linux netstat, /proc/net, PowerShell, tcpvcon, netsh). docs/analyze.md.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analyze/report.h"
#include "app/report_args.h"
#include "capture/capture.h"
#include "capture/host_defaults.h"
#include "core/clock.h"
#include "core/result.h"
#include "render/analysis_renderer.h"
#include "render/report_renderer.h"
#include "render/snapshot_renderer.h"

namespace portwatch::app {

struct AnalyzeOptions {
    std::vector<std::string> files;  // "-" is standard input
    capture::RangeChoice range;
    capture::CaptureOptions capture;
    std::vector<std::chrono::system_clock::time_point> at;  // one per file, or empty
    const core::Clock* clock = &core::system_clock();       // "now" for input that carries no time
    analyze::Thresholds thresholds;
    render::ReportOptions report;
    bool json = false;
    bool each = false;     // a report per capture, no trend
    bool sockets = false;  // print the parsed sockets instead of the diagnosis
    render::Format socket_format = render::Format::Table;
    // How long a read from a pipe, FIFO or device waits for input; zero waits forever.
    std::chrono::milliseconds idle_timeout{kDefaultIdleTimeoutSeconds * 1000};

    // `portwatch report`'s way in: each capture's diagnosis as it is made, and the summary
    // handed here instead of being rendered (nothing is written to `out` then).
    std::function<void(const analyze::Report&)> on_report;
    std::function<Result<void>(const render::AnalysisSummary&)> on_summary;

    static constexpr int kDefaultIdleTimeoutSeconds = 60;
};

struct AnalyzeArgs {
    std::vector<std::string> files;
    std::string at, range, os, code_page = "850";
    bool json = false, csv = false, each = false, sockets = false;
    ReportArgs report;
    std::size_t max_sockets = capture::CaptureOptions::kDefaultMaxSockets;
    std::string max_unrecognised = "16M";
    std::string idle_timeout = "60";
};

CLI::App* add_analyze_command(CLI::App& app, AnalyzeArgs& args);
Result<AnalyzeOptions> finish_analyze_args(const AnalyzeArgs& args);

// Reads the files (`stdin` for "-"), diagnoses them, renders. Nagios exit codes; 3 UNKNOWN when
// a file cannot be read or parsed (the message names the file and line).
int run_analyze(const AnalyzeOptions& options, std::istream& stdin_stream, std::ostream& out,
                std::ostream& err);

}  // namespace portwatch::app
