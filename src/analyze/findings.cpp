#include "analyze/findings.h"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/services.h"
#include "analyze/what_breaks.h"

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
    std::uint32_t closing = 0;  // closed by this side first: TIME_WAIT, FIN_WAIT*, CLOSING
    std::uint32_t leak = 0;     // closed by the peer only: CLOSE_WAIT, LAST_ACK
    std::uint32_t open = 0;     // ESTABLISHED, SYN_SENT
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
        case Mechanism::DeadBackend: return "a dead or filtered backend (connects stuck in SYN_SENT, never answered)";
        case Mechanism::BindBeforeConnect: return "bind-before-connect (one port per connection, whatever the destination)";
        case Mechanism::UdpLeak: return "a UDP socket leak";
        case Mechanism::ListenersInRange: return "listeners and bound ports inside the range";
        case Mechanism::ReservedRange: return "reserved ports inside the range";
        case Mechanism::NarrowRange: return "a narrow range";
        default: return "a mix of states";
    }
}

// The mechanism in a few words, for a list of several causes.
std::string_view short_phrase(Mechanism m) {
    switch (m) {
        case Mechanism::TimeWaitChurn: return "TIME_WAIT churn";
        case Mechanism::CloseWaitLeak: return "a CLOSE_WAIT leak";
        case Mechanism::Hoarding: return "hoarding (connections kept open)";
        case Mechanism::DeadBackend: return "connects stuck in SYN_SENT (a dead backend)";
        default: return "a mix of states";
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
                "connect()): the port is then chosen at connect() time and shared across "
                "destinations.",
                name);
        case Mechanism::UdpLeak:
            return fmt::format(
                "Make {} close UDP sockets after use, or reuse one (resolvers: a local caching "
                "resolver); {}.",
                name, win ? "widen the dynamic range (netsh int ipv4 set dynamicport udp ...)"
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
                       : "Widen the range (Linux: net.ipv4.ip_local_port_range, default 32768 60999).";
        default:
            return fmt::format("Look at the owners and states above; {} to buy time.", widen);
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
    // A wildcard listener serves `dst` only when `dst` is an address of this host: loopback,
    // or one its own sockets are bound to.
    auto dst_address = dst.address.normalized();
    bool dst_is_here = dst_address.is_loopback() ||
                       std::any_of(snap.sockets.begin(), snap.sockets.end(), [&](const core::Socket& s) {
                           return s.local.address.normalized() == dst_address;
                       });
    for (const auto& s : snap.sockets) {
        bool serving = protocol == core::Protocol::Tcp ? s.state == TcpState::Listen
                                                       : s.remote.port == 0;
        if (s.protocol != protocol || !serving || s.local.port != dst.port) {
            continue;
        }
        auto local = s.local.address.normalized();
        if (local.is_unspecified() ? !dst_is_here : local != dst_address) {
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

Mechanism classify_states(const StateCounts& states) {
    Mix m = mix_of(states);
    if (m.total == 0) return Mechanism::Mixed;
    if (m.closing * 2 > m.total) return Mechanism::TimeWaitChurn;
    if (m.leak * 2 > m.total) return Mechanism::CloseWaitLeak;
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

TimeWaitLength time_wait_length(const core::HostConfig& config) {
    if (config.platform != core::Platform::Windows) {
        return {60, "Linux: TCP_TIMEWAIT_LEN, fixed in the kernel"};
    }
    std::string why = config.windows_origin.empty() ? std::string() : ": " + config.windows_origin;
    switch (config.windows) {
        case core::WindowsGeneration::UpTo2003:
            return {240, "TcpTimedWaitDelay default on Windows 2003/XP and earlier" + why +
                             "; 120 s on Vista/2008 and later; a registry value, when set, wins"};
        case core::WindowsGeneration::VistaPlus:
            return {120, "TcpTimedWaitDelay default on Windows Vista/2008 and later" + why +
                             "; 240 s on 2003 and earlier; a registry value, when set, wins"};
        case core::WindowsGeneration::Unknown: break;
    }
    return {120, "TcpTimedWaitDelay default on Windows Vista/2008 and later, assumed: the capture "
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
    bool by_shape = pool_mechanism == Mechanism::BindBeforeConnect ||
                    pool_mechanism == Mechanism::UdpLeak ||
                    pool_mechanism == Mechanism::ListenersInRange;
    Cause single{pool_mechanism, {}, 0};
    for (std::size_t i = 0; i < p.owners.size(); ++i) {
        const auto& o = p.owners[i];
        if (share_of(p, o) < kNegligibleShare) continue;
        single.owners.push_back(i);
        single.sockets += o.sockets;
        Mechanism own = classify_states(o.states);
        if (by_shape || own == Mechanism::Mixed) continue;
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
    if (out.empty()) return p.destinations;
    std::stable_sort(out.begin(), out.end(), [](const DestinationShare& a, const DestinationShare& b) {
        return a.sockets > b.sockets;
    });
    if (out.size() > top) out.resize(top);
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
    if (dests.size() > n) out += ", ...";
    return out;
}

// "TIME_WAIT churn by w3wp.exe (pid 5120) to 10.20.0.40:1433, 3718 sockets (88%)"
std::string cause_phrase(const Pool& p, const Cause& c, const std::vector<DestinationShare>& dests) {
    std::string by;
    for (auto i : c.owners) {
        by += (by.empty() ? "" : ", ") + who(Culprit{p.owners[i].pid, p.owners[i].name, {}, 0, 0, false, 0});
    }
    std::string to;
    for (std::size_t i = 0; i < dests.size() && i < 2 && p.key.kind != PoolKind::TcpConnect; ++i) {
        auto service = well_known_service(dests[i].remote.port, core::Protocol::Tcp);
        to += fmt::format("{}{}{}", i ? ", " : " to ", dests[i].remote.to_string(),
                          service.empty() ? std::string() : fmt::format(" ({})", service));
    }
    if (dests.size() > 2 && p.key.kind != PoolKind::TcpConnect) to += ", ...";
    return fmt::format("{} by {}{}, {} sockets ({})", short_phrase(c.mechanism),
                       by.empty() ? std::string("no known process") : by, to,
                       c.sockets, percent(p.sockets ? static_cast<double>(c.sockets) / p.sockets : 0.0));
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
    for (std::size_t index = 0; index < model.pools.size(); ++index) {
        const Pool& p = model.pools[index];
        if (p.severity == Severity::Ok) {
            continue;
        }
        Mechanism pool_mechanism = classify(p, platform);
        // The range-wide tax gets its own finding; a connect pool drained by it tells nothing new.
        if (pool_mechanism == Mechanism::ListenersInRange) {
            ++skipped;
            continue;
        }
        auto causes = causes_of(p, pool_mechanism);
        // Local pools nest (the wildcard pool holds every address's ports): one story once.
        bool repeat = std::any_of(out.begin(), out.end(), [&](const Finding& f) {
            if (!f.pool) return false;
            const Pool& q = model.pools[*f.pool];
            return q.key.kind == p.key.kind && p.key.kind != PoolKind::TcpConnect &&
                   q.occupied == p.occupied && f.mechanism == causes.front().mechanism;
        });
        if (repeat) {
            continue;
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
        auto breaks = pool_breakage(p, causes.front().mechanism, platform,
                                    p.key.kind == PoolKind::TcpConnect ? std::vector<DestinationShare>{}
                                                                       : p.destinations);

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
                        f.title += (j ? "; " : "") + cause_phrase(p, causes[j], cause_destinations[j]);
                    }
                    f.title += ".";
                } else {
                    f.title = fmt::format("Cause {} of {} for {}: {}.", k + 1, causes.size(), place,
                                          cause_phrase(p, cause, dests));
                }
            } else if (top) {
                f.title = situation + fmt::format(" Cause: {}; {} holds {} of them ({}).",
                                                  mechanism_phrase(m), who(*top), top->sockets,
                                                  percent(top->share));
            } else {
                f.title = situation + fmt::format(" Cause: {}.", mechanism_phrase(m));
            }

            // Evidence: the pool as a whole (first cause only), then this cause's own.
            auto protocol = p.key.kind == PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp;
            if (k == 0) {
                f.evidence.push_back(fmt::format("{} sockets hold {} ports: {}", p.sockets,
                                                 p.occupied, state_mix_text(p.states, protocol)));
            }
            for (auto i : cause.owners) {
                const auto& o = p.owners[i];
                const auto& c = all_culprits[i];
                std::string line = fmt::format("owner: {} {} sockets ({})", who(c), c.sockets, percent(c.share));
                if (causes.size() > 1) {
                    line += ": " + state_mix_text(o.states, protocol);
                }
                if (c.inferred) {
                    line += fmt::format(", {} TIME_WAIT inferred from its live connections to the same "
                                        "remote endpoint", o.inferred);
                }
                f.evidence.push_back(std::move(line));
            }
            if (k == 0) {
                std::string others;
                for (std::size_t i = 0; i < p.owners.size(); ++i) {
                    bool listed = std::any_of(causes.begin(), causes.end(), [&](const Cause& c) {
                        return std::find(c.owners.begin(), c.owners.end(), i) != c.owners.end();
                    });
                    if (listed) continue;
                    others += fmt::format("{}{} {}", others.empty() ? "" : ", ", who(all_culprits[i]),
                                          p.owners[i].sockets);
                    if (share_of(p, p.owners[i]) >= kNegligibleShare) {
                        others += " (" + state_mix_text(p.owners[i].states, protocol) + ")";
                    }
                }
                if (!others.empty()) {
                    f.evidence.push_back(fmt::format("other owners, not culprits ({}): {}",
                                                     causes.size() > 1 ? "no clear mechanism or under 5%"
                                                                       : "each under 5% of the pool",
                                                     others));
                }
            }
            core::Endpoint dst = p.key.remote;
            if (p.key.kind != PoolKind::TcpConnect && !dests.empty()) {
                dst = dests.front().remote;
                f.evidence.push_back((causes.size() > 1 ? "its destinations: " : "top destinations: ") +
                                     destinations_text(dests));
            }
            if (dst.port != 0) {
                f.servers = servers_at(snap, protocol, dst);
                for (const auto& sv : f.servers) {
                    f.evidence.push_back(fmt::format("server end: {} is bound to {} here (the other end "
                                                     "of these connections)", who(sv), dst.to_string()));
                }
            }
            if (k == 0) {
                if (win) {
                    f.evidence.push_back(fmt::format("dynamic port range {}-{} ({}): {} ports, {} excluded",
                                                     model.range.low, model.range.high,
                                                     model.range_origin, p.size, model.reserved));
                } else {
                    f.evidence.push_back(fmt::format("range {}-{} ({}): {} usable ports, {} reserved, {} bind-owned",
                                                     model.range.low, model.range.high, model.range_origin,
                                                     p.size, model.reserved, model.bind_owned));
                }
            }
            if (m == Mechanism::TimeWaitChurn) {
                if (win) {
                    f.evidence.push_back(fmt::format(
                        "TIME_WAIT lasts {} s ({}): at most ~{}/s new connections are sustainable "
                        "from the whole range, whatever the destination",
                        tw.seconds, tw.origin, std::max<std::uint32_t>(1, p.size / tw.seconds)));
                } else {
                    f.evidence.push_back(fmt::format(
                        "TIME_WAIT lasts 60 s: at most ~{}/s new connections to one destination are "
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
                    win ? std::string("each unanswered connect() holds its port until Windows gives "
                                      "up (TcpMaxConnectRetransmissions, about 21 s by default)")
                        : std::string("each unanswered connect() holds its port until the kernel gives "
                                      "up: about 127 s with the default net.ipv4.tcp_syn_retries=6, "
                                      "unless the application times out first"));
            }
            if (m == Mechanism::BindBeforeConnect) {
                f.evidence.push_back(fmt::format(
                    "{} ports are held by connections whose local ports are never shared across "
                    "destinations although plain connect() would have shared some: bind(ip, 0) "
                    "before connect() gives every connection its own port",
                    p.prebound));
            }
            if (k == 0 && !win && model.range.size() < kLinuxDefaultSize / 2) {
                f.evidence.push_back(fmt::format("the range is narrow: {} ports (default 28232)",
                                                 model.range.size()));
            }
            if (k == 0 && win && model.range.size() < kWindowsDefaultSize / 2) {
                f.evidence.push_back(fmt::format("the dynamic range is narrow: {} ports (default "
                                                 "16384 on Vista/2008 and later)",
                                                 model.range.size()));
            }
            if (k == 0 && win && p.free == 0) {
                f.evidence.push_back("Windows logs this as Tcpip event 4231 (\"all such ports being "
                                     "in use\"), and 4227 when TIME_WAIT blocks a reuse");
            }
            f.remedy = remedy(m, top_name, platform,
                              m == Mechanism::DeadBackend && !dests.empty() ? to_text(dests, 3) : dst.to_string());
            out.push_back(std::move(f));
        }
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
            f.remedy = remedy(Mechanism::ListenersInRange, "", platform, "");
            f.breaks = range_breakage(s == Severity::Exhausted, platform);
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
            f.remedy = remedy(Mechanism::ReservedRange, "", platform, "");
            f.breaks = range_breakage(s == Severity::Exhausted, platform);
            out.push_back(std::move(f));
        }
    }
    return out;
}

}  // namespace portwatch::analyze
