// The Linux build's commands: snapshot, diagnose, analyze, lab, history, monitor, top and
// exporter.
#include "app/command_table.h"

namespace portwatch::app {

CommandTable add_commands(CLI::App& app) {
    app.footer(R"(EXAMPLES:
  portwatch snapshot --state TIME_WAIT      every TIME_WAIT socket
  portwatch snapshot --json > sockets.json
  portwatch diagnose                        verdict, culprit and remedy
  portwatch analyze netstat.txt             the same on a saved netstat -anobq / ss -tanp
  sudo portwatch lab churn                  watch portwatch catch a real exhaustion
  sudo portwatch monitor                    watch continuously: rates, forecasts, alerts
  portwatch history --since 1h              what the monitor recorded in the last hour
  portwatch report --from-history -o r.html one evidence file for the vendor
  sudo portwatch top                        pools and processes live, like top
  sudo portwatch exporter                   metrics for Prometheus on 127.0.0.1:10130

Run `portwatch COMMAND --help` for a command's options.)");
    struct Args {
        SnapshotArgs snapshot;
        DiagnoseArgs diagnose;
        AnalyzeArgs analyze;
        LabArgs lab;
        HistoryArgs history;
        MonitorArgs monitor;
        TopArgs top;
        ExporterArgs exporter;
        ReportCommandArgs report;
    };
    auto args = std::make_shared<Args>();
    Args* a = args.get();
    CommandTable t;
    t.names = "snapshot, diagnose, analyze, lab, history, report, monitor, top or exporter";
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
    t.entries.push_back(
        {add_report_command(app, a->report), false, kExitFailure,
         [a]() -> Result<Command> { return finish_report_command_args(a->report); }});
    t.entries.push_back({add_monitor_command(app, a->monitor), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_monitor_args(a->monitor); }});
    t.entries.push_back({add_top_command(app, a->top), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_top_args(a->top); }});
    t.entries.push_back({add_exporter_command(app, a->exporter), false, kExitFailure,
                         [a]() -> Result<Command> { return finish_exporter_args(a->exporter); }});
    t.args = std::move(args);
    return t;
}

}  // namespace portwatch::app
