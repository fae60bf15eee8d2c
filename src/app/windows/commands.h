#pragma once
// The commands of the Windows build: snapshot, diagnose and analyze (no lab: it needs Linux
// network namespaces).

#include <variant>

#include "app/analyze_command.h"
#include "app/diagnose_command.h"
#include "app/snapshot_command.h"

namespace portwatch::app {

using Command = std::variant<SnapshotOptions, DiagnoseOptions, AnalyzeOptions>;

}  // namespace portwatch::app
