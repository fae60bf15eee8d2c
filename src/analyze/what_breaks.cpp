#include "analyze/what_breaks.h"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/services.h"

namespace portwatch::analyze {

namespace {

constexpr std::size_t kNamed = 5;  // destinations named in one sentence

// What an admin sees fail on a Windows host whose dynamic range is used up.
constexpr std::string_view kWindowsSymptoms =
    "on Windows that shows as failing file shares (SMB), DNS registration, Kerberos and LDAP "
    "logons, RPC/MMC and replication";

std::vector<AffectedDestination> affected(std::span<const DestinationShare> destinations,
                                          core::Protocol protocol) {
    std::vector<AffectedDestination> out;
    for (const auto& d : destinations) {
        out.push_back({d.remote, well_known_service(d.remote.port, protocol), d.sockets});
    }
    return out;
}

std::string named(const AffectedDestination& d) {
    return d.service.empty() ? d.remote.to_string()
                             : fmt::format("{} ({})", d.remote.to_string(), d.service);
}

std::string list(std::span<const AffectedDestination> destinations) {
    std::string out;
    std::size_t n = std::min(destinations.size(), kNamed);
    for (std::size_t i = 0; i < n; ++i) {
        out += (i == 0 ? "" : i + 1 == n ? " and " : ", ") + named(destinations[i]);
    }
    if (destinations.size() > n) {
        out += fmt::format(" and {} more", destinations.size() - n);
    }
    return out;
}

std::string_view when(bool now) {
    return now ? "Failing now: " : "Fails first: ";
}

std::string host_text(const Breakage& b, core::Platform platform, const std::string& from) {
    std::string text = fmt::format(
        "{}every new outbound TCP connection {}, whatever the destination", when(b.now), from);
    if (platform == core::Platform::Windows) {
        text += fmt::format(" ({})", kWindowsSymptoms);
    }
    if (!b.destinations.empty()) {
        text += "; in use here: " + list(b.destinations);
    }
    return text + ".";
}

}  // namespace

std::string_view break_scope_name(BreakScope scope) {
    switch (scope) {
        case BreakScope::Destinations:
            return "destinations";
        case BreakScope::Host:
            return "host";
        case BreakScope::UdpSockets:
            return "udp-sockets";
        case BreakScope::Process:
            return "process";
    }
    return "destinations";
}

Breakage pool_breakage(const Pool& pool, Mechanism mechanism, core::Platform platform,
                       std::span<const DestinationShare> destinations) {
    Breakage b;
    b.now = pool.free == 0;
    b.protocol = pool.key.kind == PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp;
    b.destinations = affected(destinations, b.protocol);
    std::string local = pool.key.local.is_unspecified()
                            ? std::string("from this host")
                            : fmt::format("from {}", pool.key.local.to_string());
    switch (pool.key.kind) {
        case PoolKind::TcpConnect: {
            // Linux connect(): one pool per destination; other destinations keep working.
            b.scope = BreakScope::Destinations;
            const DestinationShare only{pool.key.remote, pool.sockets};
            b.destinations = affected(std::span(&only, 1), b.protocol);
            b.text = fmt::format(
                "{}new connections from {} to {}; connections to other "
                "destinations are not affected.",
                when(b.now), pool.key.local.to_string(), named(b.destinations.front()));
            break;
        }
        case PoolKind::TcpLocal:
            b.scope = BreakScope::Host;
            if (platform == core::Platform::Windows) {
                b.text = host_text(b, platform, local);
            } else {
                // bind(0) fails, and the ports it holds are bind-owned: no connect() gets them.
                b.text = fmt::format(
                    "{}bind() to port 0 {} and, as {} ports are bind-owned, every new outbound "
                    "TCP connection {}, whatever the destination{}.",
                    when(b.now), local, mechanism == Mechanism::BindBeforeConnect ? "its" : "these",
                    local, b.destinations.empty() ? "" : "; in use here: " + list(b.destinations));
            }
            break;
        case PoolKind::UdpLocal:
            b.scope = BreakScope::UdpSockets;
            b.text = fmt::format(
                "{}every new UDP socket {} that needs a port (connect() or sendto() "
                "without bind()): DNS lookups first, then NTP, syslog, QUIC{}.",
                when(b.now), local,
                b.destinations.empty() ? "" : "; in use here: " + list(b.destinations));
            break;
    }
    return b;
}

Breakage range_breakage(bool now, core::Platform platform) {
    Breakage b;
    b.now = now;
    b.scope = BreakScope::Host;
    b.text = fmt::format(
        "{}every destination gets fewer ports: the busiest destinations run out "
        "first{}.",
        when(now),
        platform == core::Platform::Windows
            ? std::string(", then everything outbound (") + std::string(kWindowsSymptoms) + ")"
            : std::string());
    return b;
}

Breakage process_breakage(const LimitUsage& u) {
    Breakage b;
    b.now = u.used >= u.limit;
    b.scope = BreakScope::Process;
    b.text = fmt::format(
        "{}every new socket, file or pipe of {} (pid {}) (EMFILE), whatever the "
        "destination; other processes are not affected.",
        when(b.now), u.name, u.pid);
    return b;
}

std::optional<Breakage> limit_breakage(const LimitUsage& u) {
    switch (u.kind) {
        case LimitKind::ProcessFds:
            return process_breakage(u);
        case LimitKind::FileMax: {
            Breakage b;
            b.now = u.used >= u.limit;
            b.scope = BreakScope::Host;
            b.text = fmt::format(
                "{}every new socket, file or pipe of every process on the host "
                "(ENFILE).",
                when(b.now));
            return b;
        }
        case LimitKind::Conntrack: {
            Breakage b;
            b.now = u.used >= u.limit;
            b.scope = BreakScope::Host;
            b.text = fmt::format(
                "{}new connections to, from and through this host: the kernel "
                "drops their packets (\"nf_conntrack: table full\").",
                when(b.now));
            return b;
        }
        default:
            return std::nullopt;
    }
}

std::optional<Breakage> report_breakage(std::span<const Finding> findings) {
    // A host-wide (or process-wide) breakage is told as it is; destination lists are merged.
    const Finding* wide = nullptr;
    std::vector<const Finding*> per_destination;
    for (const auto& f : findings) {
        if (!f.breaks)
            continue;
        if (f.breaks->scope == BreakScope::Destinations) {
            per_destination.push_back(&f);
        } else if (!wide || (f.breaks->now && !wide->breaks->now)) {
            wide = &f;
        }
    }
    if (wide && (wide->breaks->now || per_destination.empty() ||
                 std::none_of(per_destination.begin(), per_destination.end(),
                              [](const Finding* f) { return f->breaks->now; }))) {
        return wide->breaks;
    }
    if (per_destination.empty()) {
        return std::nullopt;
    }
    Breakage b;
    b.scope = BreakScope::Destinations;
    std::vector<AffectedDestination> now, first;
    for (const auto* f : per_destination) {
        b.now = b.now || f->breaks->now;
        for (const auto& d : f->breaks->destinations) {
            auto& into = f->breaks->now ? now : first;
            if (std::none_of(into.begin(), into.end(),
                             [&](const AffectedDestination& x) { return x.remote == d.remote; })) {
                into.push_back(d);
            }
        }
    }
    if (per_destination.size() == 1) {
        return per_destination.front()->breaks;
    }
    b.destinations = now;
    b.destinations.insert(b.destinations.end(), first.begin(), first.end());
    if (!now.empty()) {
        b.text = "Failing now: new connections to " + list(now);
        if (!first.empty())
            b.text += "; next: to " + list(first);
    } else {
        b.text = "Fails first: new connections to " + list(first);
    }
    b.text += "; connections to other destinations are not affected.";
    return b;
}

}  // namespace portwatch::analyze
