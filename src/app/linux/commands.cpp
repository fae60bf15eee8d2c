// The Linux build's commands: snapshot, diagnose, analyze, lab and history.
#include "app/command_table.h"

namespace portwatch::app {

CommandTable add_commands(CLI::App& app) {
    app.footer(R"(EXAMPLES:
  portwatch snapshot --state TIME_WAIT      every TIME_WAIT socket
  portwatch snapshot --json > sockets.json
  portwatch diagnose                        verdict, culprit and remedy
  portwatch analyze netstat.txt             the same on a saved netstat -anobq / ss -tanp
  sudo portwatch lab churn                  watch portwatch catch a real exhaustion
  portwatch history --since 1h              what the monitor recorded in the last hour

Run `portwatch COMMAND --help` for a command's options.)");
    struct Args {
        SnapshotArgs snapshot;
        DiagnoseArgs diagnose;
        AnalyzeArgs analyze;
        LabArgs lab;
        HistoryArgs history;
    };
    auto args = std::make_shared<Args>();
    Args* a = args.get();
    CommandTable t;
    t.names = "snapshot, diagnose, analyze, lab or history";
    t.entries.push_back({add_snapshot_command(app, a->snapshot), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_snapshot_args(a->snapshot); }});
    t.entries.push_back({add_diagnose_command(app, a->diagnose), true, kExitUnknown,
                         [a]() -> Result<Command> { return finish_diagnose_args(a->diagnose); }});
    t.entries.push_back({add_analyze_command(app, a->analyze), true, kExitUnknown,
                         [a]() -> Result<Command> { return finish_analyze_args(a->analyze); }});
    t.entries.push_back({add_lab_command(app, a->lab), false, kExitUnknown,
                         [a]() -> Result<Command> { return finish_lab_args(a->lab); }});
    t.entries.push_back({add_history_command(app, a->history), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_history_args(a->history); }});
    t.args = std::move(args);
    return t;
}

}  // namespace portwatch::app
