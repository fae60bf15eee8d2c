#include "analyze/pool_model.h"

#include <algorithm>
#include <bitset>
#include <memory>
#include <tuple>

#include "analyze/addr_key.h"
#include "analyze/prebound.h"

namespace portwatch::analyze {

/*
 * The pool model (reference: linux-port-allocation.md §0, §8; net/ipv4/inet_hashtables.c,
 * inet_connection_sock.c, udp.c).
 *
 * 1. Candidates. Automatic assignment draws from ip_local_port_range minus
 *    ip_local_reserved_ports. TCP (connect() and bind(0)) scans `remaining = hi - lo + 1`
 *    rounded down to even (4.6+), so an odd-sized range never hands out its top port; UDP
 *    uses the whole range. Windows: the dynamic range minus excluded ranges.
 * 2. Bind-owned ports. A port whose bind bucket was made by bind() or listen()
 *    (fastreuse >= 0) is skipped by every connect() autobind, for every destination and
 *    local address (__inet_hash_connect ignores the address). We count LISTEN and BOUND
 *    sockets, sockets sock_diag reports with SOCK_BINDPORT_LOCK (explicit port), and sockets
 *    in the bind-before-connect shape (prebound.h): bind(ip, 0) does not set the lock but
 *    makes the bucket bind-owned all the same.
 * 3. connect() pools. Without a bound port, connect() takes a candidate port p, not
 *    bind-owned, whose 4-tuple (saddr, p, daddr, dport) is not in the established hash;
 *    every ehash state counts (SYN_SENT ... TIME_WAIT); LISTEN does not. So the pool is per
 *    destination D = (netns, family, saddr, daddr, dport), v4-mapped IPv6 folded into IPv4
 *    (the kernel hands such sockets to the IPv4 tables), and
 *        free(D) = |candidates| - |bind-owned| - |ports with a 4-tuple to D| + |reusable TW|.
 *    EADDRNOTAVAIL happens exactly when free(D) reaches 0. The server side of connections
 *    (children of a listener, SYN_RECV) uses the listener's port and is not in any pool.
 * 4. TIME_WAIT reuse. tcp_twsk_unique() lets connect() take over a TIME_WAIT 4-tuple when
 *    tcp_tw_reuse is 1 (or 2 and the connection is over loopback), the peer sent timestamps
 *    (assumed when net.ipv4.tcp_timestamps is on: a TIME_WAIT shows no tcp_info) and it is
 *    at least 1 s old (TCP_TIMEWAIT_LEN 60 s minus the time left).
 * 5. bind(0) pools (Linux TcpLocal). bind(A, 0) conflicts with any socket, in any state and
 *    to any destination, on the same port whose local address overlaps A (a wildcard
 *    overlaps everything); SO_REUSEADDR does not help (relax = false). One pool per local
 *    address plus the wildcard pool. A busy host's plain connect() sockets fill these
 *    without harming connect(), so they are rated only when the bind-before-connect shape
 *    holds at least half of the used ports; otherwise capped at OK, with a note.
 * 6. UDP pools. udp_lib_get_port() never looks at the remote address: every UDP socket,
 *    connected or not, holds its port against any overlapping local address. connect() and
 *    sendto() on an unbound socket autobind with the wildcard, so the wildcard pool is the
 *    one a resolver exhausts (EAGAIN). No TIME_WAIT; freed at close().
 * 7. Windows (TcpLocal). One pool per local address: every distinct local port in the
 *    dynamic range counts, in every state (TIME_WAIT and BOUND included), whatever the
 *    destination.
 */

namespace {

using core::Protocol;
using core::TcpState;
using PortSet = std::bitset<65536>;

constexpr std::uint32_t kTimeWaitMs = 60'000;
constexpr std::uint32_t kTwReuseDelayMs = 1'000;

bool holds_port(const core::Socket& s, core::Platform platform) {
    if (s.protocol == Protocol::Udp) {
        return true;
    }
    if (platform == core::Platform::Windows) {
        return true;
    }
    return s.state != TcpState::Close && s.state != TcpState::Unknown;
}

// Tallies sockets by owner, then keeps the top ones with their names.
class OwnerTally {
public:
    void add(std::span<const std::int32_t> pids, bool inferred, TcpState state) {
        if (pids.empty()) {
            bump(0, false, state);
        }
        for (auto pid : pids) {
            bump(pid, inferred, state);
        }
    }
    std::vector<OwnerShare> top(const core::Snapshot& snapshot, std::size_t n) {
        std::sort(rows_.begin(), rows_.end(), [](const OwnerShare& a, const OwnerShare& b) {
            return std::tie(b.sockets, a.pid) < std::tie(a.sockets, b.pid);
        });
        if (rows_.size() > n) {
            rows_.resize(n);
        }
        for (auto& row : rows_) {
            if (const auto* p = row.pid != 0 ? snapshot.find_process(row.pid) : nullptr) {
                row.name = p->name;
            }
        }
        return std::move(rows_);
    }

private:
    void bump(std::int32_t pid, bool inferred, TcpState state) {
        auto it = std::find_if(rows_.begin(), rows_.end(),
                               [pid](const OwnerShare& r) { return r.pid == pid; });
        if (it == rows_.end()) {
            rows_.push_back({pid, {}, 0, 0, {}, {}});
            it = rows_.end() - 1;
        }
        ++it->sockets;
        it->inferred += inferred;
        it->states.add(state);
    }
    std::vector<OwnerShare> rows_;
};

// Remote endpoints numbered once per protocol, so each pool counts its destinations in one
// pass (pools nest: the wildcard pool holds every socket again).
class DestinationIndex {
public:
    DestinationIndex(const core::Snapshot& snap, Protocol protocol) : snap_(snap) {
        std::vector<std::pair<detail::EndpointKey, std::uint32_t>> remotes;
        for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
            const auto& s = snap.sockets[i];
            if (s.protocol == protocol && s.remote.port != 0 && s.remote.name.empty()) {
                remotes.push_back({{detail::addr_key(s.remote.address), s.remote.port},
                                   static_cast<std::uint32_t>(i)});
            }
        }
        std::sort(remotes.begin(), remotes.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        id_of_.assign(snap.sockets.size(), kNone);
        for (std::size_t a = 0; a < remotes.size();) {
            std::size_t b = a;
            auto id = static_cast<std::uint32_t>(representative_.size());
            representative_.push_back(remotes[a].second);
            for (; b < remotes.size() && remotes[b].first == remotes[a].first; ++b) {
                id_of_[remotes[b].second] = id;
            }
            a = b;
        }
        counts_.assign(representative_.size(), 0);
    }
    void count(std::uint32_t socket) {
        auto id = id_of_[socket];
        if (id != kNone && counts_[id]++ == 0) {
            touched_.push_back(id);
        }
    }
    // The `n` most used destinations since the last call; resets the counts.
    std::vector<DestinationShare> take_top(std::size_t n) {
        auto keep = std::min(n, touched_.size());
        std::partial_sort(touched_.begin(), touched_.begin() + static_cast<std::ptrdiff_t>(keep),
                          touched_.end(), [&](std::uint32_t a, std::uint32_t b) {
                              return std::tie(counts_[b], a) < std::tie(counts_[a], b);
                          });
        std::vector<DestinationShare> rows;
        for (std::size_t i = 0; i < keep; ++i) {
            const auto& remote = snap_.sockets[representative_[touched_[i]]].remote;
            rows.push_back({core::Endpoint{remote.address.normalized(), remote.port, {}, {}, false},
                            counts_[touched_[i]]});
        }
        for (auto id : touched_) {
            counts_[id] = 0;
        }
        touched_.clear();
        return rows;
    }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    const core::Snapshot& snap_;
    std::vector<std::uint32_t> id_of_;           // socket -> destination id
    std::vector<std::uint32_t> representative_;  // destination id -> a socket
    std::vector<std::uint32_t> counts_;
    std::vector<std::uint32_t> touched_;
};

void finish(Pool& pool, const Thresholds& t) {
    std::uint64_t gone = std::uint64_t{pool.taxed} + pool.occupied;
    gone = gone > pool.reusable ? gone - pool.reusable : 0;
    pool.free = gone >= pool.size ? 0 : static_cast<std::uint32_t>(pool.size - gone);
    pool.utilisation = pool.size == 0 ? 1.0 : 1.0 - static_cast<double>(pool.free) / pool.size;
    pool.severity = rate(pool.utilisation, pool.free, t);
}

struct Context {
    const core::Snapshot& snap;
    const EffectiveOwners& owners;
    const Thresholds& t;
    core::Platform platform;
    PortSet tcp_candidates;
    PortSet udp_candidates;
    PortSet bind_owned;
    std::vector<bool> passive;
    std::vector<bool> prebound;
    std::uint64_t netns(const core::Socket& s) const { return s.netns ? s.netns : snap.netns; }
};

// Step 3 and 4: one pool per destination.
struct ConnectKey {
    std::uint64_t netns = 0;
    detail::AddrKey src, dst;
    std::uint16_t dport = 0, lport = 0;
    friend auto operator<=>(const ConnectKey&, const ConnectKey&) = default;
    bool same_pool(const ConnectKey& o) const {
        return netns == o.netns && dport == o.dport && src == o.src && dst == o.dst;
    }
};

void connect_pools(const Context& c, PoolModel& model) {
    const auto& sockets = c.snap.sockets;
    std::vector<std::pair<ConnectKey, std::uint32_t>> members;  // key, socket index
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (s.protocol == Protocol::Tcp && !c.passive[i] && core::occupies_four_tuple(s.state) &&
            s.remote.port != 0 && s.remote.name.empty()) {
            members.push_back({ConnectKey{c.netns(s), detail::addr_key(s.local.address),
                                          detail::addr_key(s.remote.address), s.remote.port,
                                          s.local.port},
                               static_cast<std::uint32_t>(i)});
        }
    }
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    bool reuse_on = model.tcp_tw_reuse == 1;
    bool timestamps = c.snap.config.tcp_timestamps.value_or(true);

    for (std::size_t a = 0; a < members.size();) {
        std::size_t b = a;
        while (b < members.size() && members[b].first.same_pool(members[a].first)) {
            ++b;
        }
        const auto& first = sockets[members[a].second];
        auto src = first.local.address.normalized();
        auto dst = first.remote.address.normalized();
        Pool pool;
        pool.key = {PoolKind::TcpConnect, members[a].first.netns, src.family(), src,
                    core::Endpoint{dst, first.remote.port, {}, {}, false}};
        pool.size = model.tcp_size;
        pool.taxed = model.bind_owned;
        bool loopback = src.is_loopback() || dst.is_loopback();
        bool reusable_here = timestamps && (reuse_on || (model.tcp_tw_reuse == 2 && loopback));
        OwnerTally tally;
        for (std::size_t p = a; p < b;) {  // one local port at a time
            std::uint16_t port = members[p].first.lport;
            std::size_t q = p;
            bool all_old_tw = true;
            for (; q < b && members[q].first.lport == port; ++q) {
                std::uint32_t i = members[q].second;
                const auto& s = sockets[i];
                ++pool.sockets;
                pool.states.add(s.state);
                tally.add(c.owners.of(i), c.owners.inferred(i), s.state);
                all_old_tw = all_old_tw && s.state == TcpState::TimeWait &&
                             kTimeWaitMs - std::min(s.expires_ms, kTimeWaitMs) >= kTwReuseDelayMs;
            }
            if (c.tcp_candidates.test(port) && !c.bind_owned.test(port)) {
                ++pool.occupied;
                pool.reusable += reusable_here && all_old_tw;
            }
            p = q;
        }
        pool.owners = tally.top(c.snap, c.t.top);
        finish(pool, c.t);
        model.pools.push_back(std::move(pool));
        a = b;
    }
}

// Steps 5-7: one pool per local address plus the wildcard pool.
void local_pools(const Context& c, Protocol protocol, PoolModel& model) {
    const auto& sockets = c.snap.sockets;
    const PortSet& candidates = protocol == Protocol::Tcp && c.platform == core::Platform::Linux
                                    ? c.tcp_candidates
                                    : c.udp_candidates;
    PoolKind kind = protocol == Protocol::Tcp ? PoolKind::TcpLocal : PoolKind::UdpLocal;
    std::vector<std::pair<detail::AddrKey, std::uint32_t>> specific;  // address, socket
    std::vector<std::uint32_t> wildcard;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (s.protocol != protocol || !holds_port(s, c.platform) || !s.local.name.empty() ||
            !candidates.test(s.local.port)) {
            continue;
        }
        auto key = detail::addr_key(s.local.address);
        bool any = key.hi == 0 && key.scope == 0 &&
                   (key.lo == 0 || key.lo == detail::addr_key(core::IpAddress{}).lo);
        if (any) {
            wildcard.push_back(static_cast<std::uint32_t>(i));
        } else {
            specific.push_back({key, static_cast<std::uint32_t>(i)});
        }
    }
    std::sort(specific.begin(), specific.end());
    std::uint32_t size = protocol == Protocol::Tcp && c.platform == core::Platform::Linux
                             ? model.tcp_size
                             : model.udp_size;

    DestinationIndex destinations(c.snap, protocol);
    auto build = [&](const core::IpAddress& local, auto&& for_each_member) {
        Pool pool;
        pool.key = {kind, c.snap.netns, local.family(), local, {}};
        pool.size = size;
        PortSet used, prebound;
        OwnerTally tally;
        for_each_member([&](std::uint32_t i) {
            const auto& s = sockets[i];
            used.set(s.local.port);
            if (c.prebound[i]) {
                prebound.set(s.local.port);
            }
            ++pool.sockets;
            pool.states.add(s.state);
            tally.add(c.owners.of(i), c.owners.inferred(i), s.state);
            destinations.count(i);
        });
        pool.occupied = static_cast<std::uint32_t>(used.count());
        pool.prebound = static_cast<std::uint32_t>(prebound.count());
        pool.owners = tally.top(c.snap, c.t.top);
        pool.destinations = destinations.take_top(c.t.top);
        finish(pool, c.t);
        if (kind == PoolKind::TcpLocal && c.platform == core::Platform::Linux &&
            pool.prebound * 2 < pool.occupied && pool.severity != Severity::Ok) {
            pool.severity = Severity::Ok;
            pool.severity_capped = true;
        }
        if (pool.severity != Severity::Ok) {  // rare: a second pass for each owner's destinations
            for (auto& owner : pool.owners) {
                for_each_member([&](std::uint32_t i) {
                    auto pids = c.owners.of(i);
                    if (owner.pid == 0 ? pids.empty()
                                       : std::find(pids.begin(), pids.end(), owner.pid) != pids.end()) {
                        destinations.count(i);
                    }
                });
                owner.destinations = destinations.take_top(c.t.top);
            }
        }
        model.pools.push_back(std::move(pool));
    };

    build(core::IpAddress{}, [&](auto&& visit) {
        for (auto i : wildcard) visit(i);
        for (const auto& e : specific) visit(e.second);
    });
    for (std::size_t a = 0; a < specific.size();) {
        std::size_t b = a;
        while (b < specific.size() && specific[b].first == specific[a].first) {
            ++b;
        }
        build(sockets[specific[a].second].local.address.normalized(), [&](auto&& visit) {
            for (auto i : wildcard) visit(i);
            for (std::size_t k = a; k < b; ++k) visit(specific[k].second);
        });
        a = b;
    }
}

}  // namespace

core::PortRange default_range(core::Platform platform) {
    return platform == core::Platform::Windows ? core::PortRange{49152, 65535}
                                               : core::PortRange{32768, 60999};
}

PoolModel build_pools(const core::Snapshot& snap, const EffectiveOwners& owners,
                      const Thresholds& t) {
    PoolModel model;
    auto ctx = std::make_unique<Context>(Context{snap, owners, t, snap.config.platform, {}, {}, {}, {}, {}});
    Context& c = *ctx;
    const auto& cfg = snap.config;
    bool linux_host = c.platform == core::Platform::Linux;
    if (cfg.ephemeral && cfg.ephemeral->size() > 0) {
        model.range = *cfg.ephemeral;
        model.range_origin = cfg.range_origin.empty() ? "snapshot" : cfg.range_origin;
    } else {
        model.range = default_range(c.platform);
        model.range_origin = "assumed default (not in the snapshot)";
    }
    model.tcp_tw_reuse = cfg.tcp_tw_reuse.value_or(2);
    model.tw_reuse_assumed = !cfg.tcp_tw_reuse.has_value();

    // Step 1: candidates.
    PortSet reserved;
    for (const auto& r : cfg.reserved) {
        for (std::uint32_t p = r.low; p <= r.high && r.high >= r.low; ++p) {
            reserved.set(p);
        }
    }
    for (std::uint32_t p = model.range.low; p <= model.range.high; ++p) {
        if (reserved.test(p)) {
            ++model.reserved;
        } else {
            c.udp_candidates.set(p);
        }
    }
    c.tcp_candidates = c.udp_candidates;
    if (linux_host && model.range.size() > 1 && model.range.size() % 2 == 1) {
        c.tcp_candidates.reset(model.range.high);
    }
    model.tcp_size = static_cast<std::uint32_t>(c.tcp_candidates.count());
    model.udp_size = static_cast<std::uint32_t>(c.udp_candidates.count());

    // Step 2: listeners, the server side, bind-owned ports.
    PortSet listening, bound_here;
    for (const auto& s : snap.sockets) {
        if (s.protocol == Protocol::Tcp && (s.state == TcpState::Listen || s.state == TcpState::Bound)) {
            listening.set(s.local.port);
        }
    }
    c.passive.assign(snap.sockets.size(), false);
    for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
        const auto& s = snap.sockets[i];
        if (s.protocol != Protocol::Tcp) {
            continue;
        }
        bool is_listener = s.state == TcpState::Listen || s.state == TcpState::Bound;
        c.passive[i] = !is_listener && (s.state == TcpState::SynRecv ||
                                        s.state == TcpState::NewSynRecv ||
                                        listening.test(s.local.port));
        if (is_listener || (s.binding == core::PortBinding::Explicit && !c.passive[i])) {
            bound_here.set(s.local.port);
        }
    }
    c.prebound = linux_host ? detect_prebound(snap, owners, c.passive, model.tcp_size)
                            : std::vector<bool>(snap.sockets.size(), false);
    for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
        model.prebound_sockets += c.prebound[i];
    }
    for (std::uint32_t p = model.range.low; p <= model.range.high; ++p) {
        model.listeners_in_range += bound_here.test(p);
    }
    if (linux_host) {
        c.bind_owned = bound_here;
        for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
            if (c.prebound[i]) {
                c.bind_owned.set(snap.sockets[i].local.port);
            }
        }
        c.bind_owned &= c.tcp_candidates;
        model.bind_owned = static_cast<std::uint32_t>(c.bind_owned.count());
        connect_pools(c, model);
    }
    local_pools(c, Protocol::Tcp, model);
    local_pools(c, Protocol::Udp, model);

    std::stable_sort(model.pools.begin(), model.pools.end(), [](const Pool& a, const Pool& b) {
        return std::tie(b.severity, b.utilisation, b.sockets) <
               std::tie(a.severity, a.utilisation, a.sockets);
    });
    return model;
}

}  // namespace portwatch::analyze
