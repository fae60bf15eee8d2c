#include "analyze/findings.h"

#include <fmt/format.h>

#include <algorithm>

namespace portwatch::analyze {

namespace {

using core::TcpState;

constexpr std::size_t kMaxPoolFindings = 10;
constexpr std::uint32_t kLinuxDefaultSize = 28232;

struct Mix {
    std::uint32_t closing = 0;  // closed by this side first: TIME_WAIT, FIN_WAIT*, CLOSING
    std::uint32_t leak = 0;     // closed by the peer only: CLOSE_WAIT, LAST_ACK
    std::uint32_t open = 0;     // ESTABLISHED, SYN_SENT
    std::uint32_t total = 0;
};

Mix mix_of(const StateCounts& s) {
    Mix m;
    m.closing = s[TcpState::TimeWait] + s[TcpState::FinWait1] + s[TcpState::FinWait2] +
                s[TcpState::Closing];
    m.leak = s[TcpState::CloseWait] + s[TcpState::LastAck];
    m.open = s[TcpState::Established] + s[TcpState::SynSent];
    m.total = s.total();
    return m;
}

std::string percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100.0); }

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
        case PoolKind::TcpConnect: return "connect() fails with EADDRNOTAVAIL (Cannot assign requested address)";
        case PoolKind::TcpLocal: return "bind() to port 0 fails with EADDRINUSE";
        case PoolKind::UdpLocal: return "connect()/sendto() on a new UDP socket fails with EAGAIN";
    }
    return {};
}

std::string mechanism_phrase(Mechanism m) {
    switch (m) {
        case Mechanism::TimeWaitChurn: return "TIME_WAIT churn (short connections this side closes first)";
        case Mechanism::CloseWaitLeak: return "a CLOSE_WAIT leak (the peer closed, the application never did)";
        case Mechanism::Hoarding: return "hoarding (connections kept open)";
        case Mechanism::BindBeforeConnect: return "bind-before-connect (one port per connection, whatever the destination)";
        case Mechanism::UdpLeak: return "a UDP socket leak";
        case Mechanism::ListenersInRange: return "listeners and bound ports inside the range";
        case Mechanism::ReservedRange: return "reserved ports inside the range";
        case Mechanism::NarrowRange: return "a narrow range";
        default: return "a mix of states";
    }
}

std::string remedy(Mechanism m, const std::string& name, core::Platform platform) {
    bool win = platform == core::Platform::Windows;
    switch (m) {
        case Mechanism::TimeWaitChurn:
            return fmt::format(
                "Make {} reuse connections (keep-alive, a connection pool) instead of opening one "
                "per request, or let the server close first. Spread load over more destination "
                "addresses/ports or source addresses. {}",
                name,
                win ? "Lower TcpTimedWaitDelay (registry, 30 s minimum) and widen the dynamic "
                      "range: netsh int ipv4 set dynamicport tcp start=10000 num=55535."
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
                "them over more destinations or source addresses; widen the range.",
                name);
        case Mechanism::BindBeforeConnect:
            return fmt::format(
                "Make {} set IP_BIND_ADDRESS_NO_PORT before bind() (or not bind before "
                "connect()): the port is then chosen at connect() time and shared across "
                "destinations.",
                name);
        case Mechanism::UdpLeak:
            return fmt::format(
                "Make {} close UDP sockets after use, or reuse one (resolvers: a local caching "
                "resolver); widen the range.",
                name);
        case Mechanism::ListenersInRange:
            return win ? "Move listeners out of the dynamic range, or exclude their ports: "
                         "netsh int ipv4 add excludedportrange."
                       : "Move listeners and explicitly bound ports out of the ephemeral range, "
                         "or add their ports to net.ipv4.ip_local_reserved_ports.";
        case Mechanism::ReservedRange:
            return "Shrink the reserved list or widen the range around it.";
        case Mechanism::NarrowRange:
            return "Widen the range (Linux: net.ipv4.ip_local_port_range, default 32768 60999).";
        default:
            return "Look at the owners and states above; widen the range to buy time.";
    }
}

std::vector<Culprit> culprits_of(const Pool& p, const core::Snapshot& snap) {
    std::vector<Culprit> out;
    for (const auto& o : p.owners) {
        Culprit c{o.pid, o.name, {}, o.sockets,
                  p.sockets ? static_cast<double>(o.sockets) / p.sockets : 0.0, o.inferred > 0};
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
    for (const auto& s : snap.sockets) {
        bool serving = protocol == core::Protocol::Tcp ? s.state == TcpState::Listen
                                                       : s.remote.port == 0;
        if (s.protocol != protocol || !serving || s.local.port != dst.port) {
            continue;
        }
        auto local = s.local.address.normalized();
        if (!local.is_unspecified() && local != dst.address) {
            continue;
        }
        for (auto pid : s.owners) {
            if (std::none_of(out.begin(), out.end(), [pid](const Culprit& c) { return c.pid == pid; })) {
                const auto* proc = snap.find_process(pid);
                out.push_back({pid, proc ? proc->name : "", proc ? proc->cmdline : "", 1, 1.0, false});
            }
        }
    }
    return out;
}

}  // namespace

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
    Mix m = mix_of(pool.states);
    if (m.total == 0) {
        return Mechanism::Mixed;
    }
    if (m.closing * 2 > m.total) return Mechanism::TimeWaitChurn;
    if (m.leak * 2 > m.total) return Mechanism::CloseWaitLeak;
    if (m.open * 2 > m.total) return Mechanism::Hoarding;
    return Mechanism::Mixed;
}

std::vector<Finding> pool_findings(const core::Snapshot& snap, const PoolModel& model,
                                   const Thresholds& t) {
    std::vector<Finding> out;
    const auto platform = snap.config.platform;
    std::size_t skipped = 0;
    for (std::size_t index = 0; index < model.pools.size(); ++index) {
        const Pool& p = model.pools[index];
        if (p.severity == Severity::Ok) {
            continue;
        }
        Mechanism m = classify(p, platform);
        // The range-wide tax gets its own finding; a connect pool drained by it tells nothing new.
        if (m == Mechanism::ListenersInRange) {
            ++skipped;
            continue;
        }
        // Local pools nest (the wildcard pool holds every address's ports): one story once.
        bool repeat = std::any_of(out.begin(), out.end(), [&](const Finding& f) {
            if (!f.pool) return false;
            const Pool& q = model.pools[*f.pool];
            return q.key.kind == p.key.kind && p.key.kind != PoolKind::TcpConnect &&
                   q.occupied == p.occupied && f.mechanism == m;
        });
        if (repeat) {
            continue;
        }
        if (out.size() >= kMaxPoolFindings) {
            ++skipped;
            continue;
        }
        Finding f;
        f.severity = p.severity;
        f.mechanism = m;
        f.pool = index;
        f.culprits = culprits_of(p, snap);
        const Culprit* top = nullptr;
        for (const auto& c : f.culprits) {
            if (c.pid != 0) {
                top = &c;
                break;
            }
        }
        std::string top_name = top ? top->name : std::string("the owning application");
        std::string place = pool_place(p);
        if (p.free == 0) {
            f.title = fmt::format("No port left for {}: {}.", place, failure_of(p, platform));
        } else {
            f.title = fmt::format("{} of the ports for {} are in use: {} of {} left.",
                                  percent(p.utilisation), place, p.free, p.size);
        }
        if (top) {
            f.title += fmt::format(" Cause: {}; {} holds {} of them ({}).", mechanism_phrase(m),
                                   who(*top), top->sockets, percent(top->share));
        } else {
            f.title += fmt::format(" Cause: {}.", mechanism_phrase(m));
        }

        // Evidence.
        f.evidence.push_back(fmt::format("{} sockets hold {} ports: {}", p.sockets,
                                         p.occupied, state_mix_text(p.states, p.key.kind == PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp)));
        for (const auto& c : f.culprits) {
            std::string line = fmt::format("owner: {} {} sockets ({})", who(c), c.sockets, percent(c.share));
            if (c.inferred) {
                const auto& o = p.owners[static_cast<std::size_t>(&c - f.culprits.data())];
                line += fmt::format(", {} TIME_WAIT inferred from its live connections to the same "
                                    "remote endpoint", o.inferred);
            }
            f.evidence.push_back(std::move(line));
        }
        core::Endpoint dst = p.key.remote;
        if (p.key.kind != PoolKind::TcpConnect && !p.destinations.empty()) {
            dst = p.destinations.front().remote;
            std::string dests;
            for (const auto& d : p.destinations) {
                dests += fmt::format("{}{} ({})", dests.empty() ? "" : ", ", d.remote.to_string(), d.sockets);
            }
            f.evidence.push_back("top destinations: " + dests);
        }
        if (dst.port != 0) {
            f.servers = servers_at(snap, p.key.kind == PoolKind::UdpLocal ? core::Protocol::Udp
                                                                           : core::Protocol::Tcp,
                                   dst);
            for (const auto& s : f.servers) {
                f.evidence.push_back(fmt::format("server end: {} is bound to {} here (the other end "
                                                 "of these connections)", who(s), dst.to_string()));
            }
        }
        f.evidence.push_back(fmt::format("range {}-{} ({}): {} usable ports, {} reserved, {} bind-owned",
                                         model.range.low, model.range.high, model.range_origin,
                                         p.size, model.reserved, model.bind_owned));
        if (m == Mechanism::TimeWaitChurn && platform == core::Platform::Linux) {
            f.evidence.push_back(fmt::format(
                "TIME_WAIT lasts 60 s: at most ~{}/s new connections to one destination are "
                "sustainable; tcp_tw_reuse={}{}: {} of them reusable now",
                std::max<std::uint32_t>(1, p.size / 60), model.tcp_tw_reuse,
                model.tw_reuse_assumed ? " (assumed default)" : "", p.reusable));
        }
        if (m == Mechanism::BindBeforeConnect) {
            f.evidence.push_back(fmt::format(
                "{} ports are held by connections whose local ports are never shared across "
                "destinations although plain connect() would have shared some: bind(ip, 0) "
                "before connect() gives every connection its own port",
                p.prebound));
        }
        if (platform == core::Platform::Linux && model.range.size() < kLinuxDefaultSize / 2) {
            f.evidence.push_back(fmt::format("the range is narrow: {} ports (default 28232)",
                                             model.range.size()));
        }
        f.remedy = remedy(m, top_name, platform);
        out.push_back(std::move(f));
    }
    if (skipped > 0 && !out.empty()) {
        out.back().evidence.push_back(
            fmt::format("{} more pools at WARNING or worse are not listed (see --json)", skipped));
    }

    // Range-wide: listeners and explicitly bound ports, reserved ports.
    if (model.tcp_size > 0) {
        double tax = static_cast<double>(model.listeners_in_range) / model.tcp_size;
        Severity s = rate(tax, model.tcp_size - std::min(model.tcp_size, model.listeners_in_range), t);
        if (s != Severity::Ok) {
            Finding f;
            f.severity = s;
            f.mechanism = Mechanism::ListenersInRange;
            f.title = fmt::format("{} of the ephemeral range is taken by listeners and explicitly "
                                  "bound ports: every connect() pool loses them.", percent(tax));
            f.evidence.push_back(fmt::format("{} ports bound inside {}-{}", model.listeners_in_range,
                                             model.range.low, model.range.high));
            f.remedy = remedy(Mechanism::ListenersInRange, "", platform);
            out.push_back(std::move(f));
        }
    }
    if (model.range.size() > 0) {
        double share = static_cast<double>(model.reserved) / model.range.size();
        Severity s = rate(share, model.range.size() - model.reserved, t);
        if (s != Severity::Ok) {
            Finding f;
            f.severity = s;
            f.mechanism = Mechanism::ReservedRange;
            f.title = fmt::format("{} of the ephemeral range is reserved and never handed out.",
                                  percent(share));
            f.evidence.push_back(fmt::format("{} of {} ports reserved", model.reserved, model.range.size()));
            f.remedy = remedy(Mechanism::ReservedRange, "", platform);
            out.push_back(std::move(f));
        }
    }
    return out;
}

}  // namespace portwatch::analyze
