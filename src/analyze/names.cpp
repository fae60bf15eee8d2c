// Stable names used in JSON output and docs/diagnose.md.

#include "analyze/finding.h"
#include "analyze/pool.h"
#include "analyze/severity.h"

namespace portwatch::analyze {

Severity rate(double utilisation, std::uint64_t free, const Thresholds& t) {
    if (free == 0) {
        return Severity::Exhausted;
    }
    if (utilisation >= t.critical) {
        return Severity::Critical;
    }
    if (utilisation >= t.warning) {
        return Severity::Warning;
    }
    return Severity::Ok;
}

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::Ok:
            return "OK";
        case Severity::Warning:
            return "WARNING";
        case Severity::Critical:
            return "CRITICAL";
        case Severity::Exhausted:
            return "EXHAUSTED";
    }
    return "OK";
}

std::string_view pool_kind_name(PoolKind kind) {
    switch (kind) {
        case PoolKind::TcpConnect:
            return "tcp-connect";
        case PoolKind::TcpLocal:
            return "tcp-local";
        case PoolKind::UdpLocal:
            return "udp-local";
    }
    return "tcp-connect";
}

std::uint32_t StateCounts::total() const {
    std::uint32_t sum = 0;
    for (auto n : by_state) {
        sum += n;
    }
    return sum;
}

std::string_view mechanism_name(Mechanism m) {
    switch (m) {
        case Mechanism::TimeWaitChurn:
            return "time-wait-churn";
        case Mechanism::CloseWaitLeak:
            return "close-wait-leak";
        case Mechanism::Hoarding:
            return "hoarding";
        case Mechanism::DeadBackend:
            return "dead-backend";
        case Mechanism::BindBeforeConnect:
            return "bind-before-connect";
        case Mechanism::UdpLeak:
            return "udp-leak";
        case Mechanism::NarrowRange:
            return "narrow-range";
        case Mechanism::ReservedRange:
            return "reserved-range";
        case Mechanism::ListenersInRange:
            return "listeners-in-range";
        case Mechanism::Mixed:
            return "mixed";
        case Mechanism::FdLimit:
            return "fd-limit";
        case Mechanism::FileMax:
            return "file-max";
        case Mechanism::Conntrack:
            return "conntrack";
        case Mechanism::TimeWaitBuckets:
            return "time-wait-buckets";
        case Mechanism::Orphans:
            return "orphans";
        case Mechanism::TcpMemory:
            return "tcp-memory";
        case Mechanism::LoggedExhaustion:
            return "logged-exhaustion";
        case Mechanism::NonPagedPool:
            return "nonpaged-pool";
    }
    return "mixed";
}

std::string_view limit_kind_name(LimitKind kind) {
    switch (kind) {
        case LimitKind::ProcessFds:
            return "process-fds";
        case LimitKind::FileMax:
            return "file-max";
        case LimitKind::Conntrack:
            return "conntrack";
        case LimitKind::TimeWaitBuckets:
            return "time-wait-buckets";
        case LimitKind::Orphans:
            return "orphans";
        case LimitKind::TcpMemory:
            return "tcp-memory";
    }
    return "process-fds";
}

}  // namespace portwatch::analyze
