#pragma once
// The overall verdict of one run (one or several namespaces) and the exit status it gives:
// the Nagios plugin convention every command that diagnoses follows.

#include <span>

#include "analyze/report.h"
#include "analyze/severity.h"

namespace portwatch::analyze {

// The worst verdict of several reports (an unknown report counts as unknown only when no
// other report is worse than OK).
struct OverallVerdict {
    Severity severity = Severity::Ok;
    bool unknown = false;
};
OverallVerdict overall_verdict(std::span<const Report> reports);

// Nagios: 0 OK, 1 WARNING, 2 CRITICAL (and EXHAUSTED), 3 UNKNOWN.
enum class NagiosStatus : int { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 };
NagiosStatus nagios_status(const OverallVerdict& verdict);
inline NagiosStatus nagios_status(std::span<const Report> reports) {
    return nagios_status(overall_verdict(reports));
}

}  // namespace portwatch::analyze
