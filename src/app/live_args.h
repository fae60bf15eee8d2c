#pragma once
// The live-source options every command that reads this host shares: --owners and --source.

#include <CLI/CLI.hpp>
#include <string>

#include "collect/live_source.h"
#include "core/result.h"

namespace portwatch::app {

struct LiveArgs {
    std::string owners = "auto";
    std::string source = "auto";
};

void add_live_options(CLI::App& cmd, LiveArgs& args);

// Sets live.owners and live.sockets from the option text.
Result<void> finish_live_args(const LiveArgs& args, collect::LiveOptions& live);

}  // namespace portwatch::app
