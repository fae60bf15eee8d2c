#pragma once
// The commands of the Linux build: the three every build has, and lab (network namespaces).

#include <ostream>
#include <variant>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/lab_command.h"
#include "app/snapshot_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, LabCommandOptions, AnalyzeOptions>;

inline int run_command(const LabCommandOptions& options, std::ostream& out, std::ostream& err) {
    return run_lab(options, out, err);
}

}  // namespace portwatch::app
