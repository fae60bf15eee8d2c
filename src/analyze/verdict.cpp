#include "analyze/verdict.h"

#include <algorithm>

namespace portwatch::analyze {

OverallVerdict overall_verdict(std::span<const Report> reports) {
    OverallVerdict v;
    bool any_unknown = false;
    for (const auto& r : reports) {
        if (r.unknown) {
            any_unknown = true;
            continue;
        }
        v.severity = std::max(v.severity, r.verdict);
    }
    v.unknown = reports.empty() || (any_unknown && v.severity == Severity::Ok);
    return v;
}

NagiosStatus nagios_status(const OverallVerdict& v) {
    if (v.unknown) {
        return NagiosStatus::Unknown;
    }
    switch (v.severity) {
        case Severity::Ok:
            return NagiosStatus::Ok;
        case Severity::Warning:
            return NagiosStatus::Warning;
        case Severity::Critical:
        case Severity::Exhausted:
            return NagiosStatus::Critical;
    }
    return NagiosStatus::Unknown;
}

}  // namespace portwatch::analyze
