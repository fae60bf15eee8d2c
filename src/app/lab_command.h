#pragma once
// `portwatch lab PATTERN`: provoke one exhaustion pattern for real, inside a network namespace
// the lab creates and removes, and show what `portwatch diagnose` says about it.

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "analyze/severity.h"
#include "core/result.h"
#include "lab/lab.h"
#include "render/report_renderer.h"

namespace portwatch::app {

struct LabCommandOptions {
    bool list = false;
    lab::LabOptions lab;
    bool json = false;
    bool hold = false;  // keep the namespace until Enter, for a diagnose of your own
    analyze::Thresholds thresholds;
    render::ReportOptions report;
};

struct LabArgs {
    std::string pattern;
    bool json = false, hold = false, list = false;
    std::uint32_t range = 0;
};

CLI::App* add_lab_command(CLI::App& app, LabArgs& args);
Result<LabCommandOptions> finish_lab_args(const LabArgs& args);
// Exit status: the diagnose verdict's (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), or 3 when the
// lab could not run.
int run_lab(const LabCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
