#pragma once
// Man pages and shell completions generated from the CLI11 tree that parse_cli parses with
// (cli_tree.h), so they cannot drift from --help: every command, option, positional,
// description, default and footer comes from the tree; option values from value_hints.h.
// Written by the portwatch-gen-cli-docs tool at build time and installed by the package.

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "app/value_hints.h"

namespace portwatch::app {

struct OptionDoc {
    std::vector<std::string> names;  // "-s", "--state"; a positional: its name only
    bool positional = false;
    bool takes_value = false;
    bool repeatable = false;  // a list (more than one value, or given more than once)
    bool required = false;
    char delimiter = '\0';   // ',' when one word may hold a comma-separated list
    std::string value_name;  // TEXT, UINT, ... as --help shows it
    std::string description;
    std::string default_value;          // empty when --help shows none
    std::vector<std::string> excludes;  // options that cannot be given with this one
    ValueHint hint;
};

struct CommandDoc {
    std::vector<std::string> path;  // {"portwatch"}, {"portwatch", "snapshot"}
    std::string description;
    std::string footer;
    std::vector<OptionDoc> options;      // in --help's order, --help first
    std::vector<OptionDoc> positionals;  // in order
    std::vector<CommandDoc> commands;    // subcommands (hidden ones left out)

    std::string name() const;  // "portwatch-snapshot": its man page
};

// Reads the tree (non-const only because CLI11 2.1 has no const access to validators).
CommandDoc describe_cli(CLI::App& app);

struct ManPage {
    std::string name;  // "portwatch-snapshot"; the file is <name>.1
    std::string roff;
};

// portwatch(1) and one page per command, subcommands of subcommands included.
std::vector<ManPage> man_pages(const CommandDoc& root, std::string_view version);

void write_bash_completion(const CommandDoc& root, std::ostream& out);
void write_zsh_completion(const CommandDoc& root, std::ostream& out);
void write_fish_completion(const CommandDoc& root, std::ostream& out);

}  // namespace portwatch::app
