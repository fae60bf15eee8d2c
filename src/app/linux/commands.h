#pragma once
// The commands of the Linux build: the three every build has, lab (network namespaces),
// history (the monitor's SQLite store), monitor, top and exporter.

#include <iostream>
#include <ostream>
#include <variant>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/exporter_command.h"
#include "app/history_command.h"
#include "app/lab_command.h"
#include "app/monitor_command.h"
#include "app/report_command.h"
#include "app/snapshot_command.h"
#include "app/top_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, LabCommandOptions, AnalyzeOptions,
                             HistoryOptions, MonitorCommandOptions, TopOptions, ExporterOptions,
                             ReportCommandOptions>;

inline int run_command(const LabCommandOptions& options, std::ostream& out, std::ostream& err) {
    return run_lab(options, out, err);
}
inline int run_command(const HistoryOptions& options, std::ostream& out, std::ostream& err) {
    return run_history(options, out, err);
}
inline int run_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
    return run_report(options, std::cin, out, err);
}
inline int run_command(const MonitorCommandOptions& options, std::ostream& out, std::ostream& err) {
    return run_monitor(options, out, err);
}
inline int run_command(const TopOptions& options, std::ostream& out, std::ostream& err) {
    return run_top(options, out, err);
}
inline int run_command(const ExporterOptions& options, std::ostream& out, std::ostream& err) {
    return run_exporter(options, out, err);
}

}  // namespace portwatch::app
