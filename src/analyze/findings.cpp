#include "analyze/findings.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "analyze/services.h"
#include "analyze/what_breaks.h"
#include "core/plural.h"

namespace portwatch::analyze {

namespace {

using core::TcpState;

constexpr std::size_t kMaxPoolFindings = 10;
constexpr std::uint32_t kLinuxDefaultSize = 28232;
constexpr std::uint32_t kWindowsDefaultSize = 16384;
// Owners holding less than this share of a pool are not culprits (they are listed in the
// evidence as other owners).
constexpr double kNegligibleShare = 0.05;

struct Mix {
    std::uint32_t closing = 0;     // closed by this side first: TIME_WAIT, FIN_WAIT*, CLOSING
    std::uint32_t leak = 0;        // closed by the peer only: CLOSE_WAIT, LAST_ACK
    std::uint32_t open = 0;        // ESTABLISHED, SYN_SENT
    std::uint32_t unanswered = 0;  // of `open`, SYN_SENT: the SYN got no answer yet
    std::uint32_t total = 0;
};

Mix mix_of(const StateCounts& s) {
    Mix m;
    m.closing = s[TcpState::TimeWait] + s[TcpState::FinWait1] + s[TcpState::FinWait2] +
                s[TcpState::Closing];
    m.leak = s[TcpState::CloseWait] + s[TcpState::LastAck];
    m.unanswered = s[TcpState::SynSent];
    m.open = s[TcpState::Established] + m.unanswered;
    m.total = s.total();
    return m;
}

std::string percent(double fraction) {
    return fmt::format("{:.0f}%", fraction * 100.0);
}

std::string who(const Culprit& c) {
    return c.pid == 0 ? std::string("no known process") : core::name_with_pid(c.name, c.pid);
}

std::string state_mix_text(const StateCounts& s, core::Protocol protocol) {
    std::vector<std::pair<std::uint32_t, std::size_t>> rows;
    for (std::size_t i = 0; i < s.by_state.size(); ++i) {
        if (s.by_state[i] != 0) {
            rows.push_back({s.by_state[i], i});
        }
    }
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::string out;
    for (const auto& [n, i] : rows) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n,
                           core::state_name(protocol, static_cast<TcpState>(i)));
    }
    return out.empty() ? "no sockets" : out;
}

std::string pool_place(const Pool& p) {
    switch (p.key.kind) {
        case PoolKind::TcpConnect:
            return fmt::format("connections from {} to {}", p.key.local.to_string(),
                               p.key.remote.to_string());
        // Read in "No port left for ..." and "93% of the ports for ... are in use".
        case PoolKind::TcpLocal:
            return p.key.local.is_unspecified()
                       ? std::string("TCP on any local address")
                       : fmt::format("TCP on local address {}", p.key.local.to_string());
        case PoolKind::UdpLocal:
            return p.key.local.is_unspecified()
                       ? std::string("UDP on any local address")
                       : fmt::format("UDP on local address {}", p.key.local.to_string());
    }
    return {};
}

std::string failure_of(const Pool& p, core::Platform platform) {
    if (platform == core::Platform::Windows) {
        return "new connections fail with WSAENOBUFS (10055) or WSAEADDRINUSE (10048)";
    }
    switch (p.key.kind) {
        case PoolKind::TcpConnect:
            return "connect() fails with EADDRNOTAVAIL (Cannot assign requested address)";
        case PoolKind::TcpLocal:
            return "bind() to port 0 fails with EADDRINUSE";
        case PoolKind::UdpLocal:
            return "connect()/sendto() on a new UDP socket fails with EAGAIN";
    }
    return {};
}

std::string mechanism_phrase(Mechanism m) {
    switch (m) {
        case Mechanism::TimeWaitChurn:
            return "TIME_WAIT churn (short connections this side closes first)";
        case Mechanism::CloseWaitLeak:
            return "a CLOSE_WAIT leak (the peer closed, the application never did)";
        case Mechanism::Hoarding:
            return "hoarding (connections kept open)";
        case Mechanism::DeadBackend:
            return "a dead or filtered backend (connects stuck in SYN_SENT, never answered)";
        case Mechanism::BindBeforeConnect:
            return "bind-before-connect (one port per connection, whatever the destination)";
        case Mechanism::UdpLeak:
            return "a UDP socket leak";
        case Mechanism::ListenersInRange:
            return "listeners and bound ports inside the range";
        case Mechanism::ReservedRange:
            return "reserved ports inside the range";
        case Mechanism::NarrowRange:
            return "a narrow range";
        default:
            return "a mix of states";
    }
}

// The mechanism in a few words, for a list of several causes.
std::string_view short_phrase(Mechanism m) {
    switch (m) {
        case Mechanism::TimeWaitChurn:
            return "TIME_WAIT churn";
        case Mechanism::CloseWaitLeak:
            return "a CLOSE_WAIT leak";
        case Mechanism::Hoarding:
            return "hoarding (connections kept open)";
        case Mechanism::DeadBackend:
            return "connects stuck in SYN_SENT (a dead backend)";
        default:
            return "a mix of states";
    }
}

std::string remedy(Mechanism m, const std::string& name, core::Platform platform,
                   const std::string& destination) {
    bool win = platform == core::Platform::Windows;
    std::string widen = win ? "widen the dynamic range (netsh int ipv4 set dynamicport tcp "
                              "start=10000 num=55535)"
                            : "widen net.ipv4.ip_local_port_range";
    switch (m) {
        case Mechanism::TimeWaitChurn:
            return fmt::format(
                "Make {} reuse connections (keep-alive, a connection pool) instead of opening one "
                "per request, or let the server close first. Spread load over more destination "
                "addresses/ports or source addresses. {}",
                name,
                win ? "Lower TcpTimedWaitDelay (HKLM\\SYSTEM\\CurrentControlSet\\Services\\"
                      "Tcpip\\Parameters, REG_DWORD seconds, 30 minimum; reboot) and widen the "
                      "dynamic range: netsh int ipv4 set dynamicport tcp start=10000 num=55535."
                    : "On a client host, net.ipv4.tcp_tw_reuse=1 lets connect() reuse TIME_WAIT "
                      "ports after 1 s (needs TCP timestamps); widening "
                      "net.ipv4.ip_local_port_range buys time.");
        case Mechanism::CloseWaitLeak:
            return fmt::format(
                "Application bug: {} does not close sockets after the peer has closed them. "
                "Restarting it frees the ports now; the fix is in its code (close the socket on "
                "end-of-file and on errors): report it to its vendor.",
                name);
        case Mechanism::Hoarding:
            return fmt::format(
                "Cap {}'s connection pool per destination, or close idle connections; spread "
                "them over more destinations or source addresses; {}.",
                name, widen);
        case Mechanism::DeadBackend:
            return fmt::format(
                "Find out why {} does not answer (down? a firewall dropping SYN? a wrong route?) "
                "and take it out of rotation. Make {} give up sooner and back off: a connect "
                "timeout of a few seconds, health checks that stop traffic to a dead backend, "
                "retries with exponential backoff and a cap (a circuit breaker) instead of a new "
                "connect() per request. {}",
                destination.empty() ? std::string("the destination") : destination, name,
                win ? "Host-wide, TcpMaxConnectRetransmissions (registry) bounds how long each "
                      "attempt holds its port."
                    : "Host-wide, net.ipv4.tcp_syn_retries bounds how long each attempt holds "
                      "its port (default 6: about 127 s).");
        case Mechanism::BindBeforeConnect:
            return fmt::format(
                "Make {} set IP_BIND_ADDRESS_NO_PORT before bind() (or not bind before "
                "connect()): the port is then chosen at connect() time, per destination, and "
                "shared across destinations; its ports stop being bind-owned, so bind() to port "
                "0 finds free ports again and every connect() pool gets them back.",
                name);
        case Mechanism::UdpLeak:
            return fmt::format(
                "Make {} close UDP sockets after use, or reuse one (resolvers: a local caching "
                "resolver); {}.",
                name,
                win ? "widen the dynamic range (netsh int ipv4 set dynamicport udp ...)"
                    : "widen net.ipv4.ip_local_port_range");
        case Mechanism::ListenersInRange:
            return win ? "Move listeners out of the dynamic range, or exclude their ports: "
                         "netsh int ipv4 add excludedportrange."
                       : "Move listeners and explicitly bound ports out of the ephemeral range, "
                         "or add their ports to net.ipv4.ip_local_reserved_ports.";
        case Mechanism::ReservedRange:
            return win ? "Shrink the excluded ranges (netsh int ipv4 show excludedportrange "
                         "protocol=tcp; Hyper-V and WinNAT reserve blocks) or widen the dynamic "
                         "range around them."
                       : "Shrink the reserved list or widen the range around it.";
        case Mechanism::NarrowRange:
            return win ? "Widen the dynamic range: netsh int ipv4 set dynamicport tcp start=49152 "
                         "num=16384 (the default) or wider."
                       : "Widen the range (Linux: net.ipv4.ip_local_port_range, default 32768 "
                         "60999).";
        default:
            return fmt::format("Look at the owners and states above; {} to buy time.", widen);
    }
}

std::vector<Culprit> culprits_of(const Pool& p, const core::Snapshot& snap) {
    std::vector<Culprit> out;
    for (const auto& o : p.owners) {
        Culprit c{o.pid,
                  o.name,
                  {},
                  o.sockets,
                  p.sockets ? static_cast<double>(o.sockets) / p.sockets : 0.0,
                  o.inferred > 0};
        if (const auto* proc = o.pid ? snap.find_process(o.pid) : nullptr) {
            c.cmdline = proc->cmdline;
        }
        out.push_back(std::move(c));
    }
    return out;
}

// Processes listening (TCP) or bound (UDP) at a destination inside this namespace.
std::vector<Culprit> servers_at(const core::Snapshot& snap, core::Protocol protocol,
                                const core::Endpoint& dst) {
    std::vector<Culprit> out;
    std::unordered_set<std::int32_t> seen;  // many listeners may share a port (SO_REUSEPORT)
    // A wildcard listener serves `dst` only when `dst` is an address of this host: loopback,
    // or one its own sockets are bound to.
    auto dst_address = dst.address.normalized();
    bool dst_is_here =
        dst_address.is_loopback() ||
        std::any_of(snap.sockets.begin(), snap.sockets.end(), [&](const core::Socket& s) {
            return s.local.address.normalized() == dst_address;
        });
    for (const auto& s : snap.sockets) {
        bool serving =
            protocol == core::Protocol::Tcp ? s.state == TcpState::Listen : s.remote.port == 0;
        if (s.protocol != protocol || !serving || s.local.port != dst.port) {
            continue;
        }
        auto local = s.local.address.normalized();
        if (local.is_unspecified() ? !dst_is_here : local != dst_address) {
            continue;
        }
        for (auto pid : s.owners) {
            if (seen.insert(pid).second) {
                const auto* proc = snap.find_process(pid);
                out.push_back(
                    {pid, proc ? proc->name : "", proc ? proc->cmdline.str() : "", 1, 1.0, false});
            }
        }
    }
    return out;
}

// What took a pool's ports away. A pool under pressure is told by its largest share: its own
// sockets, the ports bound by others anywhere in the range (which connect() may never use),
// or the reserved ports (never handed out automatically). A mechanism read from the state mix
// needs sockets behind it.
enum class PoolCause : std::uint8_t { Own, BoundByOthers, Reserved, Nothing };

PoolCause cause_of(const Pool& p, const PoolModel& model, core::Platform platform) {
    bool linux_tcp_local = p.key.kind == PoolKind::TcpLocal && platform == core::Platform::Linux;
    std::uint32_t tax = p.key.kind == PoolKind::TcpConnect ? p.taxed
                        : linux_tcp_local                  ? p.bound
                                                           : 0;
    std::uint32_t own = p.key.kind == PoolKind::TcpConnect
                            ? p.occupied - std::min(p.occupied, p.reusable)
                            : p.occupied - std::min(p.occupied, tax);
    if (model.reserved > own && model.reserved >= tax) {
        return PoolCause::Reserved;
    }
    if (tax > own) {
        return PoolCause::BoundByOthers;
    }
    return own > 0 ? PoolCause::Own : PoolCause::Nothing;
}

Culprit culprit_of(const core::Snapshot& snap, std::int32_t pid, const std::string& name,
                   std::uint32_t sockets, double share) {
    Culprit c{pid, name, {}, sockets, share, false, 0};
    if (const auto* proc = pid ? snap.find_process(pid) : nullptr) {
        c.cmdline = proc->cmdline;
    }
    return c;
}

std::string head_of(const Pool& p, core::Platform platform) {
    std::string place = pool_place(p);
    if (p.free == 0) {
        return fmt::format("No port left for {}: {}.", place, failure_of(p, platform));
    }
    return fmt::format("{} of the ports for {} are in use: {} of {} left.", percent(p.utilisation),
                       place, p.free, p.size);
}

// "pwlab-client (pid 9) holds the 40 ports left" / "... 12 of them".
std::string clients_phrase(const std::vector<Culprit>& clients, std::uint32_t own, bool all) {
    if (clients.empty() || clients.front().pid == 0) {
        return {};
    }
    std::string names = who(clients.front());
    if (clients.size() > 1) {
        names += fmt::format(" and {} more", clients.size() - 1);
    }
    return all ? fmt::format(" {} {} the {} left.", names, clients.size() > 1 ? "hold" : "holds",
                             core::plural(own, "port", "ports"))
               : fmt::format(" {} {} {} of them.", names, clients.size() > 1 ? "hold" : "holds",
                             own);
}

std::string reserved_list(const core::Snapshot& snap, const core::PortRange& range) {
    std::string out;
    std::size_t listed = 0, more = 0;
    for (const auto& r : snap.config.reserved) {
        if (r.high < range.low || r.low > range.high) {
            continue;
        }
        if (listed == 5) {
            ++more;
            continue;
        }
        out += (out.empty() ? "" : ", ") +
               (r.low == r.high ? std::to_string(r.low) : fmt::format("{}-{}", r.low, r.high));
        ++listed;
    }
    if (more) {
        out += fmt::format(" and {} more", more);
    }
    return out;
}

std::string reserved_origin(core::Platform platform) {
    return platform == core::Platform::Windows ? "excluded port ranges"
                                               : "net.ipv4.ip_local_reserved_ports";
}

// What to do when reserved ports are the cause, and what it changes for this pool.
std::string reserved_remedy(const core::Snapshot& snap, const PoolModel& model, const Pool& p,
                            const std::vector<Culprit>& clients) {
    bool win = snap.config.platform == core::Platform::Windows;
    std::string list = reserved_list(snap, model.range);
    std::string out =
        win ? fmt::format(
                  "Remove the excluded port ranges that no service needs ({}; see netsh "
                  "int ipv4 show excludedportrange protocol=tcp, and netsh int ipv4 "
                  "delete excludedportrange), or widen the dynamic range around them "
                  "(netsh int ipv4 set dynamicport tcp start=... num=...).",
                  list)
            : fmt::format(
                  "Shrink net.ipv4.ip_local_reserved_ports ({}) to the ports services "
                  "really listen on, or widen net.ipv4.ip_local_port_range around it: "
                  "reserved ports are never handed out to connect(), bind() to port 0 "
                  "or UDP.",
                  list);
    out +=
        fmt::format(" Only {} of the {} ports are left for every pool", p.size, model.range.size());
    if (!clients.empty() && clients.front().pid != 0) {
        out += fmt::format("; {}'s {} are not the problem", clients.front().name,
                           core::plural(p.sockets, "socket", "sockets"));
    }
    return out + ".";
}

std::string bind_owner_how(const BindOwner& o) {
    std::vector<std::string> parts;
    if (o.listening) {
        parts.push_back(fmt::format("{} listening or bound-only", o.listening));
        if (o.listening_chosen + o.listening_picked == o.listening && o.listening_chosen &&
            o.listening_picked) {
            parts.back() += fmt::format(
                " ({} on ports it chose, {} on ports the kernel picked "
                "for bind() to port 0)",
                o.listening_chosen, o.listening_picked);
        } else if (o.listening_chosen == o.listening) {
            parts.back() += " on ports it chose";
        } else if (o.listening_picked == o.listening) {
            parts.back() += " on ports the kernel picked for bind() to port 0";
        }
    }
    if (o.explicit_port)
        parts.push_back(fmt::format("{} bound to a chosen port", o.explicit_port));
    if (o.prebound) {
        std::string to = o.destination_count == 1 && !o.destinations.empty()
                             ? o.destinations.front().remote.to_string()
                             : core::plural(o.destination_count, "destination", "destinations");
        parts.push_back(
            fmt::format("{} bound with bind(ip, 0) before connect() to {}", o.prebound, to));
    }
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : ", ") + part;
    return out;
}

// Ports bound by others, as one finding: who holds them, how they were bound, which connect()
// pool they starve (its worst victim: a pool with plain connections of its own) and who is
// refused there. A bind-before-connect finding of a local pool folds in when there is a
// victim; without one, that finding is the story and learns what the tax costs connect().
std::optional<Finding> bound_by_others_finding(const core::Snapshot& snap, const PoolModel& model,
                                               const Thresholds& t,
                                               const std::vector<std::size_t>& pools,
                                               std::vector<Finding>& out) {
    if (model.tcp_size == 0 || model.bind_owned == 0 || model.bind_owners.empty()) {
        return std::nullopt;
    }
    const auto platform = snap.config.platform;
    bool bbc = model.prebound_ports * 2 >= model.bind_owned;
    double tax = static_cast<double>(model.bind_owned) / model.tcp_size;
    Severity severity = rate(tax, model.tcp_size - std::min(model.tcp_size, model.bind_owned), t);
    std::optional<std::size_t> victim;
    std::size_t victims = 0;
    std::vector<std::size_t> local;
    for (auto i : pools) {
        const Pool& q = model.pools[i];
        if (q.key.kind == PoolKind::TcpConnect && q.occupied == 0) {
            continue;  // only bind-owned sockets of its own: no plain connect() refused there
        }
        severity = std::max(severity, q.severity);
        if (q.key.kind == PoolKind::TcpConnect) {
            ++victims;
            if (!victim)
                victim = i;
        } else {
            local.push_back(i);
        }
    }
    // The lead culprit: the biggest holder, or with bind-before-connect the biggest binder.
    const BindOwner* lead_ptr = &model.bind_owners.front();
    for (const auto& o : model.bind_owners) {
        if (bbc && o.prebound > lead_ptr->prebound)
            lead_ptr = &o;
    }
    const BindOwner& lead = *lead_ptr;
    std::string lead_who = lead.pid ? fmt::format("{} (pid {})", lead.name, lead.pid)
                                    : std::string("no known process");
    std::string upstream =
        lead.destination_count == 1 && !lead.destinations.empty()
            ? lead.destinations.front().remote.to_string()
            : core::plural(lead.destination_count, "destination", "destinations");
    std::string tax_line = fmt::format(
        "{} of the {} usable ports ({}) are bind-owned: connect() skips them for every "
        "destination and local address",
        model.bind_owned, model.tcp_size, percent(tax));
    if (bbc && !victim) {
        for (auto& f : out) {
            if (f.mechanism == Mechanism::BindBeforeConnect) {
                f.evidence.push_back(
                    tax_line +
                    fmt::format("; a plain connect() to any new destination has {} ports",
                                model.tcp_size - std::min(model.tcp_size, model.bind_owned)));
            }
        }
        return std::nullopt;
    }
    if (severity == Severity::Ok) {
        return std::nullopt;
    }
    Finding f;
    f.severity = severity;
    f.mechanism = bbc ? Mechanism::BindBeforeConnect : Mechanism::ListenersInRange;
    f.pool = victim;
    for (std::size_t k = 0; k < model.bind_owners.size() && k < t.top; ++k) {
        const auto& o = model.bind_owners[k];
        auto c =
            culprit_of(snap, o.pid, o.name, o.ports, static_cast<double>(o.ports) / model.tcp_size);
        c.ports = o.ports;
        f.culprits.push_back(std::move(c));
    }
    std::string cause =
        bbc ? fmt::format(
                  "Cause: bind-before-connect: {} binds a port before each connect() to {}, "
                  "so its {} ports ({} of the range) are bind-owned and no connect() to any "
                  "destination may use them.",
                  lead_who, upstream, lead.prebound,
                  percent(static_cast<double>(lead.prebound) / model.tcp_size))
            : fmt::format(
                  "Cause: listeners and explicitly bound ports inside the range: {} of the "
                  "{} ports are bind-owned and no connect() may use them; {} holds {} of "
                  "them ({} of the range).",
                  model.bind_owned, model.tcp_size, lead_who, lead.ports,
                  percent(static_cast<double>(lead.ports) / model.tcp_size));
    const Pool* vp = victim ? &model.pools[*victim] : nullptr;
    if (vp) {
        f.breaks = pool_breakage(*vp, f.mechanism, platform, {});
    } else {
        f.breaks = range_breakage(severity == Severity::Exhausted, platform);
    }
    if (vp) {
        f.clients = culprits_of(*vp, snap);
        f.title = head_of(*vp, platform) + " " + cause +
                  clients_phrase(f.clients, vp->occupied, vp->free == 0);
    } else {
        f.title = fmt::format(
                      "{} of the ephemeral range is bind-owned: every connect() pool "
                      "loses these ports. ",
                      percent(tax)) +
                  cause;
    }

    f.evidence.push_back(tax_line);
    for (std::size_t k = 0; k < model.bind_owners.size() && k < t.top; ++k) {
        const auto& o = model.bind_owners[k];
        f.evidence.push_back(fmt::format(
            "bind-owned: {} {} ({} of the range): {}",
            o.pid ? fmt::format("{} (pid {})", o.name, o.pid) : std::string("no known process"),
            core::plural(o.ports, "port", "ports"),
            percent(static_cast<double>(o.ports) / model.tcp_size), bind_owner_how(o)));
        std::uint32_t even = o.prebound - o.prebound_odd;
        if (o.prebound > 0 && o.prebound_odd > even) {
            f.evidence.push_back(fmt::format(
                "its ports are never shared with another socket and {} of {} sit at an odd "
                "offset from {}: bind(ip, 0) takes odd offsets first, connect() even ones",
                o.prebound_odd, o.prebound, model.range.low));
        }
    }
    if (vp) {
        f.evidence.push_back(
            fmt::format("this pool: {} held by its own connections ({}), {} bind-owned, {} free",
                        core::plural(vp->occupied, "port", "ports"),
                        state_mix_text(vp->states, core::Protocol::Tcp), vp->taxed, vp->free));
        if (victims > 1) {
            f.evidence.push_back(fmt::format("{} more connect() {} the same {} ports", victims - 1,
                                             victims > 2 ? "pools lose" : "pool loses",
                                             model.bind_owned));
        }
        f.servers = servers_at(snap, core::Protocol::Tcp, vp->key.remote);
        for (const auto& s : f.servers) {
            f.evidence.push_back(fmt::format("server end: {} is bound to {} here", who(s),
                                             vp->key.remote.to_string()));
        }
    }
    // Local pools telling the same story: listeners ones were set aside above; with a victim,
    // the bind-before-connect ones fold in here.
    if (bbc && vp) {
        for (auto it = out.begin(); it != out.end();) {
            if (it->mechanism == Mechanism::BindBeforeConnect && it->pool &&
                model.pools[*it->pool].key.kind == PoolKind::TcpLocal) {
                local.push_back(*it->pool);
                f.severity = std::max(f.severity, it->severity);
                it = out.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto i : local) {
        const Pool& q = model.pools[i];
        f.evidence.push_back(fmt::format("{} as well: {} of {} ports left ({} bind-owned)",
                                         failure_of(q, platform) + " for " + pool_place(q), q.free,
                                         q.size, q.bound));
    }
    f.evidence.push_back(fmt::format(
        "range {}-{} ({}): {} usable ports, {} reserved, {} bind-owned", model.range.low,
        model.range.high, model.range_origin, model.tcp_size, model.reserved, model.bind_owned));
    if (model.range.size() < kLinuxDefaultSize / 2) {
        f.evidence.push_back(
            fmt::format("the range is narrow: {} ports (default 28232)", model.range.size()));
    }
    std::string change;
    if (vp) {
        std::uint32_t freed = bbc ? lead.prebound : model.bind_owned;
        change = fmt::format(
            " Here, connections from {} to {} would have {} of {} ports free "
            "instead of {}.",
            vp->key.local.to_string(), vp->key.remote.to_string(),
            std::min(vp->size, vp->free + freed), vp->size, vp->free);
    }
    if (bbc) {
        f.remedy = fmt::format(
            "Make {} set IP_BIND_ADDRESS_NO_PORT on each socket before bind() (what nginx "
            "proxy_bind and HAProxy source need), or not bind before connect() at all: the port "
            "is then chosen at connect() time, per destination, and shared with every other "
            "destination. Its {} ports stop being bind-owned and return to every connect() "
            "pool; its own connections to {} then need ports only toward {}.{}",
            lead.pid ? lead.name : std::string("the binding application"), lead.prebound, upstream,
            lead.destination_count == 1 ? "that one upstream" : "each destination", change);
    } else {
        f.remedy = remedy(Mechanism::ListenersInRange, "", platform, "") +
                   " Each port moved out returns to every connect() pool." + change;
    }
    return f;
}

}  // namespace

Mechanism classify_states(const StateCounts& states) {
    Mix m = mix_of(states);
    if (m.total == 0)
        return Mechanism::Mixed;
    if (m.closing * 2 > m.total)
        return Mechanism::TimeWaitChurn;
    if (m.leak * 2 > m.total)
        return Mechanism::CloseWaitLeak;
    if (m.open * 2 > m.total) {
        // Connections the peer never answered are not kept open by choice.
        return m.unanswered * 2 > m.open ? Mechanism::DeadBackend : Mechanism::Hoarding;
    }
    return Mechanism::Mixed;
}

Mechanism classify(const Pool& pool, core::Platform platform) {
    if (pool.key.kind == PoolKind::UdpLocal) {
        return Mechanism::UdpLeak;
    }
    if (pool.key.kind == PoolKind::TcpLocal && platform == core::Platform::Linux &&
        pool.prebound * 2 >= pool.occupied && pool.prebound > 0) {
        return Mechanism::BindBeforeConnect;
    }
    if (pool.key.kind == PoolKind::TcpConnect && pool.taxed > pool.occupied) {
        return Mechanism::ListenersInRange;
    }
    return classify_states(pool.states);
}

std::string_view mechanism_text(Mechanism mechanism) {
    return short_phrase(mechanism);
}

std::string mechanism_remedy(Mechanism mechanism, const std::string& name, core::Platform platform,
                             const std::string& destination) {
    return remedy(mechanism, name, platform, destination);
}

TimeWaitLength time_wait_length(const core::HostConfig& config) {
    if (config.platform != core::Platform::Windows) {
        return {60, "Linux: TCP_TIMEWAIT_LEN, fixed in the kernel"};
    }
    if (config.time_wait_delay) {
        return {*config.time_wait_delay,
                "TcpTimedWaitDelay, set in the registry of this host "
                "(HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters)"};
    }
    std::string why = config.windows_origin.empty() ? std::string() : ": " + config.windows_origin;
    switch (config.windows) {
        case core::WindowsGeneration::UpTo2003:
            return {240, "TcpTimedWaitDelay default on Windows 2003/XP and earlier" + why +
                             "; 120 s on Vista/2008 and later; a registry value, when set, wins"};
        case core::WindowsGeneration::VistaPlus:
            return {120, "TcpTimedWaitDelay default on Windows Vista/2008 and later" + why +
                             "; 240 s on 2003 and earlier; a registry value, when set, wins"};
        case core::WindowsGeneration::Unknown:
            break;
    }
    return {120,
            "TcpTimedWaitDelay default on Windows Vista/2008 and later, assumed: the capture "
            "does not show its version (240 s on 2003 and earlier: --os 2003); a registry "
            "value, when set, wins"};
}

namespace {

// One way a pool is drained: a mechanism and the owners (indexes into Pool::owners) behind it.
struct Cause {
    Mechanism mechanism = Mechanism::Mixed;
    std::vector<std::size_t> owners;
    std::uint32_t sockets = 0;
};

double share_of(const Pool& p, const OwnerShare& o) {
    return p.sockets ? static_cast<double>(o.sockets) / p.sockets : 0.0;
}

// Owners with a real share, grouped by their own mechanism. Two groups or more: one cause
// each (largest first). Otherwise one cause with the pool's mechanism.
std::vector<Cause> causes_of(const Pool& p, Mechanism pool_mechanism) {
    std::vector<Cause> groups;
    bool by_shape =
        pool_mechanism == Mechanism::BindBeforeConnect || pool_mechanism == Mechanism::UdpLeak ||
        pool_mechanism == Mechanism::ListenersInRange ||
        pool_mechanism == Mechanism::ReservedRange || pool_mechanism == Mechanism::NarrowRange;
    Cause single{pool_mechanism, {}, 0};
    for (std::size_t i = 0; i < p.owners.size(); ++i) {
        const auto& o = p.owners[i];
        if (share_of(p, o) < kNegligibleShare)
            continue;
        single.owners.push_back(i);
        single.sockets += o.sockets;
        Mechanism own = classify_states(o.states);
        if (by_shape || own == Mechanism::Mixed)
            continue;
        auto g = std::find_if(groups.begin(), groups.end(),
                              [own](const Cause& c) { return c.mechanism == own; });
        if (g == groups.end()) {
            groups.push_back({own, {}, 0});
            g = groups.end() - 1;
        }
        g->owners.push_back(i);
        g->sockets += o.sockets;
    }
    if (groups.size() < 2) {
        if (groups.size() == 1 && !by_shape) {
            single.mechanism = groups.front().mechanism;
        }
        return {single};
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const Cause& a, const Cause& b) { return a.sockets > b.sockets; });
    return groups;
}

// The destinations of a cause: its owners' (local pools), or the pool's own (connect pools).
std::vector<DestinationShare> destinations_of(const Pool& p, const Cause& c, std::size_t top) {
    if (p.key.kind == PoolKind::TcpConnect) {
        return {{p.key.remote, c.sockets ? c.sockets : p.sockets}};
    }
    std::vector<DestinationShare> out;
    for (auto i : c.owners) {
        for (const auto& d : p.owners[i].destinations) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const DestinationShare& x) { return x.remote == d.remote; });
            if (it == out.end()) {
                out.push_back(d);
            } else {
                it->sockets += d.sockets;
            }
        }
    }
    if (out.empty())
        return p.destinations;
    std::stable_sort(
        out.begin(), out.end(),
        [](const DestinationShare& a, const DestinationShare& b) { return a.sockets > b.sockets; });
    if (out.size() > top)
        out.resize(top);
    return out;
}

std::string destinations_text(const std::vector<DestinationShare>& dests) {
    std::string out;
    for (const auto& d : dests) {
        out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", d.remote.to_string(), d.sockets);
    }
    return out;
}

std::string to_text(const std::vector<DestinationShare>& dests, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < dests.size() && i < n; ++i) {
        out += (i == 0 ? "" : ", ") + dests[i].remote.to_string();
    }
    if (dests.size() > n)
        out += ", ...";
    return out;
}

// "TIME_WAIT churn by w3wp.exe (pid 5120) to 10.20.0.40:1433, 3718 sockets (88%)"
std::string cause_phrase(const Pool& p, const Cause& c,
                         const std::vector<DestinationShare>& dests) {
    std::string by;
    for (auto i : c.owners) {
        by += (by.empty() ? "" : ", ") +
              who(Culprit{p.owners[i].pid, p.owners[i].name, {}, 0, 0, false, 0});
    }
    std::string to;
    for (std::size_t i = 0; i < dests.size() && i < 2 && p.key.kind != PoolKind::TcpConnect; ++i) {
        auto service = well_known_service(dests[i].remote.port, core::Protocol::Tcp);
        to += fmt::format("{}{}{}", i ? ", " : " to ", dests[i].remote.to_string(),
                          service.empty() ? std::string() : fmt::format(" ({})", service));
    }
    if (dests.size() > 2 && p.key.kind != PoolKind::TcpConnect)
        to += ", ...";
    return fmt::format("{} by {}{}, {} sockets ({})", short_phrase(c.mechanism),
                       by.empty() ? std::string("no known process") : by, to, c.sockets,
                       percent(p.sockets ? static_cast<double>(c.sockets) / p.sockets : 0.0));
}

std::string wording_of_causes(std::size_t n) {
    return n == 2 ? "Two causes" : n == 3 ? "Three causes" : fmt::format("{} causes", n);
}

}  // namespace

std::vector<Finding> pool_findings(const core::Snapshot& snap, const PoolModel& model,
                                   const Thresholds& t) {
    std::vector<Finding> out;
    const auto platform = snap.config.platform;
    const bool win = platform == core::Platform::Windows;
    const auto tw = time_wait_length(snap.config);
    std::size_t skipped = 0;
    std::vector<std::size_t> bound_by_others;  // pools told by the range-wide finding below
    for (std::size_t index = 0; index < model.pools.size(); ++index) {
        const Pool& p = model.pools[index];
        if (p.severity == Severity::Ok) {
            continue;
        }
        PoolCause pool_cause = cause_of(p, model, platform);
        // Ports bound by others are one story for the whole range (below), told at its worst
        // victim; a local pool mostly in the bind-before-connect shape keeps its own finding.
        bool bbc_local = p.key.kind == PoolKind::TcpLocal && p.prebound * 2 >= p.bound;
        if (pool_cause == PoolCause::BoundByOthers && !bbc_local) {
            bound_by_others.push_back(index);
            continue;
        }
        Mechanism pool_mechanism = pool_cause == PoolCause::Reserved  ? Mechanism::ReservedRange
                                   : pool_cause == PoolCause::Nothing ? Mechanism::NarrowRange
                                   : pool_cause == PoolCause::BoundByOthers
                                       ? Mechanism::BindBeforeConnect
                                       : classify(p, platform);
        auto causes = causes_of(p, pool_mechanism);
        // Local pools nest (the wildcard pool holds every address's ports): one story once.
        bool repeat = std::any_of(out.begin(), out.end(), [&](const Finding& f) {
            if (!f.pool)
                return false;
            const Pool& q = model.pools[*f.pool];
            return q.key.kind == p.key.kind && p.key.kind != PoolKind::TcpConnect &&
                   q.occupied == p.occupied && f.mechanism == causes.front().mechanism;
        });
        if (repeat) {
            continue;
        }
        // Reserved ports starve every pool alike: one finding says so, naming the others.
        if (pool_mechanism == Mechanism::ReservedRange) {
            auto told = std::find_if(out.begin(), out.end(), [](const Finding& f) {
                return f.mechanism == Mechanism::ReservedRange;
            });
            if (told != out.end()) {
                told->evidence.push_back(fmt::format("{} for {} as well: {} of {} ports left",
                                                     failure_of(p, platform), pool_place(p), p.free,
                                                     p.size));
                continue;
            }
        }
        if (out.size() >= kMaxPoolFindings) {
            ++skipped;
            continue;
        }
        const auto all_culprits = culprits_of(p, snap);
        std::string place = pool_place(p);
        std::string situation =
            p.free == 0 ? fmt::format("No port left for {}: {}.", place, failure_of(p, platform))
                        : fmt::format("{} of the ports for {} are in use: {} of {} left.",
                                      percent(p.utilisation), place, p.free, p.size);
        std::vector<std::vector<DestinationShare>> cause_destinations;
        for (const auto& c : causes) {
            cause_destinations.push_back(destinations_of(p, c, t.top));
        }
        auto breaks = pool_breakage(
            p, causes.front().mechanism, platform,
            p.key.kind == PoolKind::TcpConnect ? std::vector<DestinationShare>{} : p.destinations);

        for (std::size_t k = 0; k < causes.size(); ++k) {
            const Cause& cause = causes[k];
            const auto& dests = cause_destinations[k];
            Mechanism m = cause.mechanism;
            Finding f;
            f.severity = p.severity;
            f.mechanism = m;
            f.pool = index;
            f.cause = static_cast<std::uint32_t>(k + 1);
            f.causes = static_cast<std::uint32_t>(causes.size());
            f.destinations = dests;
            f.breaks = breaks;
            for (auto i : cause.owners) {
                f.culprits.push_back(all_culprits[i]);
            }
            if (pool_cause == PoolCause::Reserved || pool_cause == PoolCause::Nothing) {
                // The configuration is the cause; the pool's processes are who it hurts.
                f.clients = std::move(f.culprits);
                f.culprits.clear();
            }
            const Culprit* top = nullptr;
            for (const auto& c : f.culprits) {
                if (c.pid != 0) {
                    top = &c;
                    break;
                }
            }
            std::string top_name = top ? top->name : std::string("the owning application");

            if (causes.size() > 1) {
                if (k == 0) {
                    f.title = situation + " " + wording_of_causes(causes.size()) + ": ";
                    for (std::size_t j = 0; j < causes.size(); ++j) {
                        f.title +=
                            (j ? "; " : "") + cause_phrase(p, causes[j], cause_destinations[j]);
                    }
                    f.title += ".";
                } else {
                    f.title = fmt::format("Cause {} of {} for {}: {}.", k + 1, causes.size(), place,
                                          cause_phrase(p, cause, dests));
                }
            } else if (m == Mechanism::ReservedRange) {
                f.title =
                    situation +
                    fmt::format(
                        " Cause: {} of the {} ports of the range {}-{} ({}) are reserved ({}) and "
                        "never handed out automatically.",
                        model.reserved, model.range.size(), model.range.low, model.range.high,
                        percent(static_cast<double>(model.reserved) / model.range.size()),
                        reserved_origin(platform));
                f.title += clients_phrase(f.clients, p.occupied, p.free == 0);
            } else if (top) {
                f.title = situation + fmt::format(" Cause: {}; {} holds {} of them ({}).",
                                                  mechanism_phrase(m), who(*top), top->sockets,
                                                  percent(top->share));
            } else {
                f.title = situation + fmt::format(" Cause: {}.", mechanism_phrase(m));
            }

            // Evidence: the pool as a whole (first cause only), then this cause's own.
            auto protocol =
                p.key.kind == PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp;
            if (m == Mechanism::ReservedRange) {
                f.evidence.push_back(fmt::format(
                    "reserved: {} ({}): {} of the {} ports of the range, so only {} are usable",
                    reserved_list(snap, model.range), reserved_origin(platform), model.reserved,
                    model.range.size(), p.size));
            }
            if (k == 0 && p.sockets > 0) {
                f.evidence.push_back(fmt::format("{} sockets hold {} ports: {}", p.sockets,
                                                 p.occupied, state_mix_text(p.states, protocol)));
            }
            for (auto i : cause.owners) {
                const auto& o = p.owners[i];
                const auto& c = all_culprits[i];
                std::string line =
                    fmt::format("owner: {} {} sockets ({})", who(c), c.sockets, percent(c.share));
                if (causes.size() > 1) {
                    line += ": " + state_mix_text(o.states, protocol);
                }
                if (c.inferred) {
                    line += fmt::format(
                        ", {} TIME_WAIT inferred from its live connections to the same "
                        "remote endpoint",
                        o.inferred);
                }
                f.evidence.push_back(std::move(line));
            }
            if (k == 0) {
                std::string others;
                for (std::size_t i = 0; i < p.owners.size(); ++i) {
                    bool listed = std::any_of(causes.begin(), causes.end(), [&](const Cause& c) {
                        return std::find(c.owners.begin(), c.owners.end(), i) != c.owners.end();
                    });
                    if (listed)
                        continue;
                    others += fmt::format("{}{} {}", others.empty() ? "" : ", ",
                                          who(all_culprits[i]), p.owners[i].sockets);
                    if (share_of(p, p.owners[i]) >= kNegligibleShare) {
                        others += " (" + state_mix_text(p.owners[i].states, protocol) + ")";
                    }
                }
                if (!others.empty()) {
                    f.evidence.push_back(fmt::format("other owners, not culprits ({}): {}",
                                                     causes.size() > 1
                                                         ? "no clear mechanism or under 5%"
                                                         : "each under 5% of the pool",
                                                     others));
                }
            }
            core::Endpoint dst = p.key.remote;
            if (p.key.kind != PoolKind::TcpConnect && !dests.empty()) {
                dst = dests.front().remote;
                f.evidence.push_back(
                    (causes.size() > 1 ? "its destinations: " : "top destinations: ") +
                    destinations_text(dests));
            }
            if (dst.port != 0) {
                f.servers = servers_at(snap, protocol, dst);
                for (const auto& sv : f.servers) {
                    f.evidence.push_back(
                        fmt::format("server end: {} is bound to {} here (the other end "
                                    "of these connections)",
                                    who(sv), dst.to_string()));
                }
            }
            if (k == 0) {
                if (win) {
                    f.evidence.push_back(fmt::format(
                        "dynamic port range {}-{} ({}): {} ports, {} excluded", model.range.low,
                        model.range.high, model.range_origin, p.size, model.reserved));
                } else {
                    f.evidence.push_back(
                        fmt::format("range {}-{} ({}): {} usable ports, {} reserved, {} bind-owned",
                                    model.range.low, model.range.high, model.range_origin, p.size,
                                    model.reserved, model.bind_owned));
                }
            }
            if (k == 0 && p.key.kind == PoolKind::TcpConnect && p.taxed > 0) {
                std::string owners;
                for (std::size_t j = 0; j < model.bind_owners.size() && j < 3; ++j) {
                    const auto& o = model.bind_owners[j];
                    owners +=
                        fmt::format("{}{} {} ({})", owners.empty() ? "" : "; ",
                                    o.pid ? fmt::format("{} (pid {})", o.name, o.pid)
                                          : std::string("no known process"),
                                    core::plural(o.ports, "port", "ports"), bind_owner_how(o));
                }
                f.evidence.push_back(fmt::format(
                    "{} more of its ports are bind-owned by others: {}", p.taxed, owners));
            }
            if (m == Mechanism::TimeWaitChurn) {
                if (win) {
                    f.evidence.push_back(fmt::format(
                        "TIME_WAIT lasts {} s ({}): at most ~{}/s new connections are sustainable "
                        "from the whole range, whatever the destination",
                        tw.seconds, tw.origin, std::max<std::uint32_t>(1, p.size / tw.seconds)));
                } else {
                    f.evidence.push_back(fmt::format(
                        "TIME_WAIT lasts 60 s: at most ~{}/s new connections to one destination "
                        "are "
                        "sustainable; tcp_tw_reuse={}{}: {} of them reusable now",
                        std::max<std::uint32_t>(1, p.size / 60), model.tcp_tw_reuse,
                        model.tw_reuse_assumed ? " (assumed default)" : "", p.reusable));
                }
            }
            if (m == Mechanism::DeadBackend) {
                std::uint32_t syn = 0, total = 0;
                for (auto i : cause.owners) {
                    syn += p.owners[i].states[TcpState::SynSent];
                    total += p.owners[i].sockets;
                }
                if (cause.owners.empty()) {
                    syn = p.states[TcpState::SynSent];
                    total = p.sockets;
                }
                f.evidence.push_back(fmt::format(
                    "{} of {} sockets are in SYN_SENT toward {}: their SYN got no answer (the host "
                    "is down, a firewall drops it, or the route leads nowhere; a closed port would "
                    "answer with a reset at once)",
                    syn, total, dests.empty() ? dst.to_string() : to_text(dests, 3)));
                f.evidence.push_back(
                    win ? std::string(
                              "each unanswered connect() holds its port until Windows gives "
                              "up (TcpMaxConnectRetransmissions, about 21 s by default)")
                        : std::string(
                              "each unanswered connect() holds its port until the kernel gives "
                              "up: about 127 s with the default net.ipv4.tcp_syn_retries=6, "
                              "unless the application times out first"));
            }
            if (m == Mechanism::BindBeforeConnect) {
                f.evidence.push_back(fmt::format(
                    "{} ports are held by connections bound with bind(ip, 0) before connect(): "
                    "none shares its port with another socket, although plain connect() would "
                    "have shared some or taken the other half of the range first; every such "
                    "port is bind-owned and taken from every connect() pool",
                    p.prebound));
            }
            if (k == 0 && !win && model.range.size() < kLinuxDefaultSize / 2) {
                f.evidence.push_back(fmt::format("the range is narrow: {} ports (default 28232)",
                                                 model.range.size()));
            }
            if (k == 0 && win && model.range.size() < kWindowsDefaultSize / 2) {
                f.evidence.push_back(
                    fmt::format("the dynamic range is narrow: {} ports (default "
                                "16384 on Vista/2008 and later)",
                                model.range.size()));
            }
            if (k == 0 && win && p.free == 0) {
                f.evidence.push_back(
                    "Windows logs this as Tcpip event 4231 (\"all such ports being "
                    "in use\"), and 4227 when TIME_WAIT blocks a reuse");
            }
            f.remedy = remedy(m, top_name, platform,
                              m == Mechanism::DeadBackend && !dests.empty() ? to_text(dests, 3)
                                                                            : dst.to_string());
            if (m == Mechanism::ReservedRange) {
                f.remedy = reserved_remedy(snap, model, p, f.clients);
            }
            out.push_back(std::move(f));
        }
    }
    if (skipped > 0 && !out.empty()) {
        out.back().evidence.push_back(
            fmt::format("{} more pools at WARNING or worse are not listed (see --json)", skipped));
    }

    // Range-wide: ports bound by others (Linux: listeners, explicit binds, bind-before-connect;
    // Windows: listeners in the dynamic range), reserved ports.
    if (platform == core::Platform::Linux) {
        if (auto f = bound_by_others_finding(snap, model, t, bound_by_others, out)) {
            out.insert(out.begin(), std::move(*f));
        }
    } else if (model.tcp_size > 0) {
        double tax = static_cast<double>(model.listeners_in_range) / model.tcp_size;
        Severity s =
            rate(tax, model.tcp_size - std::min(model.tcp_size, model.listeners_in_range), t);
        if (s != Severity::Ok) {
            Finding f;
            f.severity = s;
            f.mechanism = Mechanism::ListenersInRange;
            f.title = fmt::format(
                "{} of the ephemeral range is taken by listeners and explicitly "
                "bound ports: every connect() pool loses them.",
                percent(tax));
            f.evidence.push_back(fmt::format("{} ports bound inside {}-{}",
                                             model.listeners_in_range, model.range.low,
                                             model.range.high));
            f.remedy = remedy(Mechanism::ListenersInRange, "", platform, "");
            f.breaks = range_breakage(s == Severity::Exhausted, platform);
            out.push_back(std::move(f));
        }
    }
    bool reserved_told = std::any_of(out.begin(), out.end(), [](const Finding& f) {
        return f.mechanism == Mechanism::ReservedRange;
    });
    if (model.range.size() > 0 && !reserved_told) {
        double share = static_cast<double>(model.reserved) / model.range.size();
        Severity s = rate(share, model.range.size() - model.reserved, t);
        if (s != Severity::Ok) {
            Finding f;
            f.severity = s;
            f.mechanism = Mechanism::ReservedRange;
            f.title = fmt::format("{} of the ephemeral range is reserved and never handed out.",
                                  percent(share));
            f.evidence.push_back(
                fmt::format("reserved: {} ({}): {} of {} ports", reserved_list(snap, model.range),
                            reserved_origin(platform), model.reserved, model.range.size()));
            f.remedy = remedy(Mechanism::ReservedRange, "", platform, "");
            f.breaks = range_breakage(s == Severity::Exhausted, platform);
            out.push_back(std::move(f));
        }
    }
    return out;
}

}  // namespace portwatch::analyze
