#pragma once
// The whole command line as one CLI11 App tree: the top level (--version, the rule for every
// option's value) and this OS's commands (command_table.h). parse_cli parses with it; the man
// pages and shell completions are generated from it (cli_docs.h, the portwatch-gen-cli-docs
// tool), so a command or option added to an OS's commands.cpp appears in --help, man and Tab
// completion alike.

#include <CLI/CLI.hpp>

#include "app/command_table.h"

namespace portwatch::app {

// The App holds references into the commands' option text (CommandTable::args), so a tree is
// built in place and never copied or moved.
struct CliTree {
    CliTree();
    CliTree(const CliTree&) = delete;
    CliTree& operator=(const CliTree&) = delete;

    CLI::App app;
    CommandTable commands;
};

}  // namespace portwatch::app
