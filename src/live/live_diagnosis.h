#pragma once
// The live layer: "snapshot each scope + read its host facts + diagnose", the one
// orchestration every command that looks at this host calls (diagnose, lab, and the monitor
// and exporter to come). Reading failures become reports marked unknown, never exceptions.

#include <optional>
#include <string>
#include <vector>

#include "analyze/report.h"
#include "analyze/severity.h"
#include "collect/live_source.h"
#include "core/result.h"

namespace portwatch::live {

// One scope's snapshot and its diagnosis, both kept: the monitor diffs the snapshot for its
// events and counts each process's sockets in it.
struct ScopeSample {
    std::optional<core::Snapshot> snapshot;  // unset when the sockets could not be read
    analyze::Report report;                  // then UNKNOWN, saying why
};
ScopeSample sample_scope(const collect::LiveOptions& options, const std::string& label,
                         const analyze::Thresholds& thresholds);

// One scope (`options` already aimed at it), labelled `label` in the report.
analyze::Report diagnose_scope(const collect::LiveOptions& options, const std::string& label,
                               const analyze::Thresholds& thresholds);

struct Diagnosis {
    std::vector<analyze::Report> reports;
    std::vector<std::string> notes;  // for stderr: scopes that vanished while being read
};

// Every scope of the host (each network namespace, each container), sharing one owner pass.
// Only failing to list them is an error.
Result<Diagnosis> diagnose_every_scope(const collect::LiveOptions& options,
                                       const analyze::Thresholds& thresholds);

}  // namespace portwatch::live
