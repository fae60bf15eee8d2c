#include "analyze/windows_evidence.h"

#include <fmt/format.h>

#include <algorithm>

namespace portwatch::analyze {

namespace {

std::string utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<seconds>(t - day)};
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string ago(std::chrono::system_clock::time_point t,
                std::chrono::system_clock::time_point now) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - t).count();
    if (minutes < 1) {
        return "just now";
    }
    if (minutes < 120) {
        return fmt::format("{} min ago", minutes);
    }
    return fmt::format("{} h ago", minutes / 60);
}

std::uint64_t mib(std::uint64_t bytes) {
    return bytes / (1024 * 1024);
}

std::optional<Finding> event_finding(const core::WindowsFacts& w,
                                     std::chrono::system_clock::time_point now) {
    if (!w.tcpip_events || w.tcpip_events->empty()) {
        return std::nullopt;
    }
    const auto& events = *w.tcpip_events;
    std::uint32_t reused = 0, exhausted = 0;
    for (const auto& e : events) {
        reused += e.id == 4227 ? 1u : 0u;
        exhausted += e.id == 4231 ? 1u : 0u;
    }
    Finding f;
    f.severity = exhausted > 0 ? Severity::Critical : Severity::Warning;
    f.mechanism = Mechanism::LoggedExhaustion;
    const auto& last = events.back();
    if (exhausted > 0) {
        f.title = fmt::format(
            "Windows logged that its TCP ports ran out: Tcpip event 4231 ({} in the last {} h, "
            "last at {}, {}); outbound connections failed then with WSAENOBUFS (10055).",
            exhausted, w.event_hours, utc(last.at), ago(last.at, now));
    } else {
        f.title = fmt::format(
            "Windows logged Tcpip event 4227 {} in the last {} h (last at {}, {}): it had to "
            "reuse a local port too soon, the sign of a port range nearly used up.",
            reused == 1 ? std::string("once") : fmt::format("{} times", reused), w.event_hours,
            utc(last.at), ago(last.at, now));
    }
    f.evidence.push_back(fmt::format(
        "System log, provider Tcpip, last {} h: {} x 4231 (the global TCP port space was used "
        "up), {} x 4227 (a local endpoint was reused before TIME_WAIT ended).",
        w.event_hours, exhausted, reused));
    f.evidence.push_back(
        fmt::format("first at {}, last at {}.", utc(events.front().at), utc(last.at)));
    std::string recent;
    std::size_t shown = 0;
    for (auto it = events.rbegin(); it != events.rend() && shown < 5; ++it, ++shown) {
        recent += fmt::format("{}{} at {}", recent.empty() ? "" : "; ", it->id, utc(it->at));
    }
    f.evidence.push_back("latest: " + recent + ".");
    f.remedy =
        "Find who holds the ports (the port findings above, or netstat -anobq when it happens "
        "again) and fix that client: reuse connections (keep-alive, a connection pool), close "
        "CLOSE_WAIT sockets. To buy time: widen the range (netsh int ipv4 set dynamicport tcp "
        "start=10000 num=55535) and shorten TIME_WAIT (TcpTimedWaitDelay=30 under "
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters; Windows 2003 and "
        "earlier: MaxUserPort=65534), then reboot. If the holder is a vendor's service, send "
        "the vendor this report.";
    return f;
}

std::optional<Finding> memory_finding(const core::WindowsFacts& w, bool ports_short,
                                      const Thresholds& t) {
    if (!w.nonpaged_pool_bytes || !w.physical_memory_bytes || *w.physical_memory_bytes == 0) {
        return std::nullopt;
    }
    const std::uint64_t limit = nonpaged_pool_limit(*w.physical_memory_bytes);
    const std::uint64_t used = *w.nonpaged_pool_bytes;
    const double utilisation =
        limit == 0 ? 0.0 : static_cast<double>(used) / static_cast<double>(limit);
    const Severity severity = rate(utilisation, used >= limit ? 0 : limit - used, t);
    if (severity == Severity::Ok) {
        return std::nullopt;
    }
    Finding f;
    f.severity = severity;
    f.mechanism = Mechanism::NonPagedPool;
    f.title = fmt::format(
        "{}non-paged pool is {} MiB, {:.0f}% of its ceiling ({} MiB, 75% of {} MiB physical "
        "memory): new sockets and connections fail with WSAENOBUFS (10055) as if the ports "
        "had run out.",
        ports_short ? "Also memory: " : "Not ports: memory. ", mib(used), utilisation * 100,
        mib(limit), mib(*w.physical_memory_bytes));
    if (w.handle_count) {
        f.evidence.push_back(fmt::format("{} handles open on the host.", *w.handle_count));
    }
    for (const auto& h : w.top_handles) {
        Culprit c;
        c.pid = h.pid;
        c.name = h.name;
        c.share = w.handle_count && *w.handle_count > 0
                      ? static_cast<double>(h.handles) / static_cast<double>(*w.handle_count)
                      : 0.0;
        c.file_descriptors = h.handles;
        f.culprits.push_back(std::move(c));
        f.evidence.push_back(
            fmt::format("{} (pid {}) holds {} handles.", h.name, h.pid, h.handles));
    }
    f.remedy =
        "Find the leak: the process with the most handles (Task Manager, Details, Handles "
        "column; Process Explorer) or, when no process stands out, a driver (poolmon.exe, "
        "sorted by non-paged bytes; the tag names the driver). Restarting the leaking process "
        "frees its pool now; update or remove the driver, or ask its vendor. Widening the port "
        "range does not help here.";
    return f;
}

}  // namespace

std::uint64_t nonpaged_pool_limit(std::uint64_t physical) {
    return physical / 4 * 3;
}

std::vector<Finding> windows_evidence_findings(const core::WindowsFacts& facts, bool ports_short,
                                               std::chrono::system_clock::time_point now,
                                               const Thresholds& thresholds) {
    std::vector<Finding> out;
    if (auto f = event_finding(facts, now)) {
        out.push_back(std::move(*f));
    }
    if (auto f = memory_finding(facts, ports_short, thresholds)) {
        out.push_back(std::move(*f));
    }
    return out;
}

}  // namespace portwatch::analyze
