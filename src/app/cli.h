#pragma once
// Argument parsing as a pure function: no I/O beyond the two streams, no exit().

#include <expected>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

// This OS's commands: `Command`, the variant of their options (app/linux/commands.h,
// app/windows/commands.h).
#include PORTWATCH_APP_COMMANDS_H

namespace portwatch::app {

struct Cli {
    Command command;
    int write_error = 3;  // write_error_code(): kExitFailure or kExitUnknown, by command
};

// args[0] is the program name. On --help or --version the text goes to `out` and the result
// is the exit code 0; on bad arguments one line saying what is wrong (terminal-safe) and a
// pointer to --help go to `err`, and it is kExitUsage (kExitUnknown for diagnose and analyze).
std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err);

int run(const Cli& cli, std::ostream& out, std::ostream& err);

// The exit status when standard output could not be written: kExitFailure for snapshot,
// history, monitor, top and exporter, kExitUnknown for the checks (diagnose, analyze) and lab.
int write_error_code(const Cli& cli);

}  // namespace portwatch::app
