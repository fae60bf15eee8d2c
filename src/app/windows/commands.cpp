// The Windows build's commands: snapshot, diagnose and analyze.
#include "app/command_table.h"

namespace portwatch::app {

CommandTable add_commands(CLI::App& app) {
    app.footer(R"(EXAMPLES:
  portwatch snapshot --state TIME_WAIT      every TIME_WAIT socket
  portwatch snapshot --json > sockets.json
  portwatch diagnose                        verdict, culprit and remedy
  portwatch analyze netstat.txt             the same on a saved netstat -anobq

Run from an Administrator prompt to see every process's name and service.
Run `portwatch COMMAND --help` for a command's options.)");
    struct Args {
        SnapshotArgs snapshot;
        DiagnoseArgs diagnose;
        AnalyzeArgs analyze;
    };
    auto args = std::make_shared<Args>();
    Args* a = args.get();
    CommandTable t;
    t.names = "snapshot, diagnose or analyze";
    t.entries.push_back({add_snapshot_command(app, a->snapshot), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_snapshot_args(a->snapshot); }});
    t.entries.push_back({add_diagnose_command(app, a->diagnose), true, kExitUnknown,
                         [a]() -> Result<Command> { return finish_diagnose_args(a->diagnose); }});
    t.entries.push_back({add_analyze_command(app, a->analyze), true, kExitUnknown,
                         [a]() -> Result<Command> { return finish_analyze_args(a->analyze); }});
    t.args = std::move(args);
    return t;
}

}  // namespace portwatch::app
