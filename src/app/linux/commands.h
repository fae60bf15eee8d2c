#pragma once
// The commands of the Linux build: the three every build has, lab (network namespaces) and
// history (the monitor's SQLite store).

#include <ostream>
#include <variant>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/history_command.h"
#include "app/lab_command.h"
#include "app/snapshot_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, LabCommandOptions, AnalyzeOptions,
                             HistoryOptions>;

inline int run_command(const LabCommandOptions& options, std::ostream& out, std::ostream& err) {
    return run_lab(options, out, err);
}
inline int run_command(const HistoryOptions& options, std::ostream& out, std::ostream& err) {
    return run_history(options, out, err);
}

}  // namespace portwatch::app
