#pragma once
// Argument parsing as a pure function: no I/O beyond the two streams, no exit().

#include <expected>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/exporter_command.h"
#include "app/history_command.h"
#include "app/lab_command.h"
#include "app/monitor_command.h"
#include "app/snapshot_command.h"
#include "app/top_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, LabCommandOptions, AnalyzeOptions,
                             HistoryOptions, MonitorCommandOptions, TopOptions, ExporterOptions>;

struct Cli {
    Command command;
};

// args[0] is the program name. On --help or --version the text goes to `out` and the result
// is the exit code 0; on bad arguments one line saying what is wrong (terminal-safe) and a
// pointer to --help go to `err`, and it is kExitUsage (kExitUnknown for diagnose and analyze).
std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err);

int run(const Cli& cli, std::ostream& out, std::ostream& err);

// The exit status when standard output could not be written: kExitFailure for snapshot,
// kExitUnknown for the checks (diagnose, analyze) and lab, kExitFailure for top.
int write_error_code(const Cli& cli);

}  // namespace portwatch::app
