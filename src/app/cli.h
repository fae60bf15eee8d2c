#pragma once
// Argument parsing as a pure function: no I/O beyond the two streams, no exit().

#include <expected>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/lab_command.h"
#include "app/snapshot_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, LabCommandOptions, AnalyzeOptions>;

struct Cli {
    Command command;
};

// args[0] is the program name. On --help or --version the text goes to `out` and the result
// is the exit code 0; on bad arguments a message and usage go to `err` and it is kExitUsage.
std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err);

int run(const Cli& cli, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
