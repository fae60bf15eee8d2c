#pragma once
// The commands of this build, as parse_cli learns them: every build has snapshot, diagnose and
// analyze; each OS's commands.cpp lists those and its own (Linux: lab), so a command that
// cannot exist on an OS is absent from its build and its help.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/exit_code.h"
#include "core/result.h"

namespace portwatch::app {

struct CommandEntry {
    CLI::App* cmd = nullptr;
    bool check = false;                       // a monitoring check: bad arguments are UNKNOWN
    int write_error = kExitUnknown;           // the exit status when standard output fails
    std::function<Result<Command>()> finish;  // after parsing: the command's options
};

struct CommandTable {
    std::vector<CommandEntry> entries;  // in help order
    std::shared_ptr<void> args;         // the option text CLI11 fills, kept while parsing
    std::string names;                  // "snapshot, diagnose, analyze or lab"
};

// Registers this build's commands on `app` (and its top-level help footer).
CommandTable add_commands(CLI::App& app);

}  // namespace portwatch::app
