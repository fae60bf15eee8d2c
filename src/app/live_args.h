#pragma once
// The live-source options of the commands that read this host (snapshot, diagnose), in each
// OS's own file (live_args.cpp on Linux: --netns, --owners, --source; windows/live_args.cpp:
// --owners), with the help text that speaks of them.

#include <CLI/CLI.hpp>
#include <string>

#include "collect/live_source.h"
#include "core/result.h"

namespace portwatch::app {

struct LiveArgs {
    std::string owners = "auto";
    std::string source = "auto";
    std::string scope;  // Linux: --netns
};

enum class LiveCommand { Snapshot, Diagnose };

// Where to read (Linux: --netns; diagnose also takes `all`). Nothing where the host has one
// scope.
void add_scope_option(CLI::App& cmd, LiveArgs& args, LiveCommand command);
// How to read.
void add_live_options(CLI::App& cmd, LiveArgs& args);

// Sets `live` (owners, the platform options, the scope) from the option text.
Result<void> finish_live_args(const LiveArgs& args, collect::LiveOptions& live);

// Whether the option text asks for every scope of the host (diagnose --netns all).
bool every_scope(const LiveArgs& args);
// The label of the one scope `live` reads, for its report ("blue", "pid 4242", or empty).
std::string scope_label(const collect::LiveOptions& live);

// The command's help footer (examples, what needs root or Administrator).
std::string live_footer(LiveCommand command);

}  // namespace portwatch::app
