#pragma once
// The whole command line as one CLI11 App tree. parse_cli parses with it; the man pages and
// shell completions are generated from it (cli_docs.h, the portwatch-gen-cli-docs tool), so a
// command or option added here appears in --help, man and Tab completion alike.

#include <CLI/CLI.hpp>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/exporter_command.h"
#include "app/history_command.h"
#include "app/lab_command.h"
#include "app/monitor_command.h"
#include "app/snapshot_command.h"
#include "app/top_command.h"

namespace portwatch::app {

// The App holds references into the Args structs, so a tree is built in place and never
// copied or moved.
struct CliTree {
    CliTree();
    CliTree(const CliTree&) = delete;
    CliTree& operator=(const CliTree&) = delete;

    SnapshotArgs snapshot_args;
    DiagnoseArgs diagnose_args;
    AnalyzeArgs analyze_args;
    LabArgs lab_args;
    HistoryArgs history_args;
    MonitorArgs monitor_args;
    TopArgs top_args;
    ExporterArgs exporter_args;
    CLI::App app;
    CLI::App* snapshot = nullptr;
    CLI::App* diagnose = nullptr;
    CLI::App* analyze = nullptr;
    CLI::App* lab = nullptr;
    CLI::App* history = nullptr;
    CLI::App* monitor = nullptr;
    CLI::App* top = nullptr;
    CLI::App* exporter = nullptr;
};

}  // namespace portwatch::app
