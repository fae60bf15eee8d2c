#pragma once
// The report options `diagnose` and `analyze` share: severity thresholds and how much of the
// report to list.

#include <CLI/CLI.hpp>
#include <cstddef>

#include "analyze/severity.h"
#include "core/result.h"
#include "render/report_renderer.h"

namespace portwatch::app {

struct ReportArgs {
    double warning = 70, critical = 90;  // percent
    std::size_t pools = 8, top = 5;
};

void add_report_options(CLI::App& cmd, ReportArgs& args);

// Validates `args` into the engine's thresholds and the renderer's options.
Result<void> finish_report_args(const ReportArgs& args, analyze::Thresholds& thresholds,
                                render::ReportOptions& report);

}  // namespace portwatch::app
