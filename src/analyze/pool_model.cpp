#include "analyze/pool_model.h"

#include <algorithm>
#include <bitset>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "analyze/addr_key.h"
#include "analyze/prebound.h"
#include "core/radix_sort.h"

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
 *    in the bind-before-connect shape (prebound.h: ports never shared across destinations,
 *    or handed out by bind()'s parity, even with one destination): bind(ip, 0) does not set
 *    the lock but makes the bucket bind-owned all the same. Every connect() pool is taxed
 *    by all of them; `bind_owners` says who holds them.
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
 *    without harming connect(), so they are rated only when bind-owned ports (listeners,
 *    explicit binds, the bind-before-connect shape) hold at least half of the used ports;
 *    otherwise capped at OK, with a note.
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

// Tallies sockets by owner, then keeps the top ones with their names. Every step is O(log n)
// per socket: a pool may have as many owners as sockets (100,000 rows with 100,000 pids), and
// a linear search of the rows made that quadratic. Memory is 8 bytes per (socket, owner)
// until top(), which keeps only the n best while it sums the runs: a row per owner of the
// whole pool (an OwnerShare of 128 bytes, 200,000 of them for 200,000 pids, doubled while the
// vector grew) was the largest thing a capture of distinct processes allocated.
class OwnerTally {
  public:
    void add(std::span<const std::int32_t> pids, bool inferred, TcpState state) {
        if (pids.empty()) {
            entries_.push_back({0, false, state});
        }
        for (auto pid : pids) {
            entries_.push_back({pid, inferred, state});
        }
    }
    // Sums the entries per owner, so this tally can serve as the `base` of top().
    void rank() {
        sort_entries();
        for_each_row([&](const Row& row) { rows_.push_back(row); });
        entries_ = {};
        ranked_.resize(rows_.size());
        for (std::size_t i = 0; i < ranked_.size(); ++i) {
            ranked_[i] = static_cast<std::uint32_t>(i);
        }
        std::sort(ranked_.begin(), ranked_.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return better(rows_[a], rows_[b]); });
    }
    // The `n` owners with most sockets, named. With `base` (ranked), of this tally and `base`
    // together, in O(entries log entries + n log base) rather than O(rows of base): the
    // wildcard sockets that every local-address pool holds are tallied once.
    std::vector<OwnerShare> top(const core::Snapshot& snapshot, std::size_t n,
                                const OwnerTally* base = nullptr) {
        sort_entries();
        std::vector<Row> best;  // a heap: its front is the worst of the n best so far
        best.reserve(n + 1);
        auto offer = [&](const Row& row) {
            if (n == 0) {
                return;
            }
            if (best.size() < n) {
                best.push_back(row);
                std::push_heap(best.begin(), best.end(), better);
            } else if (better(row, best.front())) {
                std::pop_heap(best.begin(), best.end(), better);
                best.back() = row;
                std::push_heap(best.begin(), best.end(), better);
            }
        };
        for_each_row([&](Row row) {
            if (const Row* b = base ? base->find(row.pid) : nullptr) {
                row.sockets += b->sockets;
                row.inferred += b->inferred;
                for (std::size_t k = 0; k < row.states.by_state.size(); ++k) {
                    row.states.by_state[k] += b->states.by_state[k];
                }
            }
            offer(row);
        });
        if (base) {
            // Owners only in `base` keep their count there: its first n not already merged.
            std::size_t taken = 0;
            for (std::size_t k = 0; k < base->ranked_.size() && taken < n; ++k) {
                const Row& row = base->rows_[base->ranked_[k]];
                if (!holds(row.pid)) {
                    offer(row);
                    ++taken;
                }
            }
        }
        std::sort_heap(best.begin(), best.end(), better);
        std::vector<OwnerShare> rows;
        rows.reserve(best.size());  // one per pool, and a capture may have 200,000 pools
        for (const auto& b : best) {
            rows.push_back({b.pid, {}, b.sockets, b.inferred, b.states, {}});
            if (const auto* p = b.pid != 0 ? snapshot.find_process(b.pid) : nullptr) {
                rows.back().name = p->name;
            }
        }
        entries_.clear();
        return rows;
    }

  private:
    struct Entry {
        std::int32_t pid;
        bool inferred;
        TcpState state;
    };
    struct Row {
        std::int32_t pid = 0;
        std::uint32_t sockets = 0;
        std::uint32_t inferred = 0;
        StateCounts states;
    };
    static bool better(const Row& a, const Row& b) {
        return std::tie(b.sockets, a.pid) < std::tie(a.sockets, b.pid);
    }
    void sort_entries() {
        // A pool's tally may hold every socket of the snapshot.
        core::radix_sort(
            entries_, [](const Entry& e) { return core::ordered_key(e.pid); }, scratch_);
    }
    // Calls `visit` with each owner's sums, in order of pid (entries sorted).
    template <typename Visit>
    void for_each_row(Visit&& visit) const {
        for (std::size_t a = 0; a < entries_.size();) {
            Row row;
            row.pid = entries_[a].pid;
            std::size_t b = a;
            for (; b < entries_.size() && entries_[b].pid == row.pid; ++b) {
                ++row.sockets;
                row.inferred += entries_[b].inferred;
                row.states.add(entries_[b].state);
            }
            visit(row);
            a = b;
        }
    }
    bool holds(std::int32_t pid) const {  // entries sorted
        auto it = std::lower_bound(entries_.begin(), entries_.end(), pid,
                                   [](const Entry& e, std::int32_t p) { return e.pid < p; });
        return it != entries_.end() && it->pid == pid;
    }
    const Row* find(std::int32_t pid) const {  // ranked: rows_ by pid
        auto it = std::lower_bound(rows_.begin(), rows_.end(), pid,
                                   [](const Row& r, std::int32_t p) { return r.pid < p; });
        return it != rows_.end() && it->pid == pid ? &*it : nullptr;
    }
    std::vector<Entry> entries_;
    std::vector<Entry> scratch_;         // radix_sort's
    std::vector<Row> rows_;              // after rank(): one per owner, by pid
    std::vector<std::uint32_t> ranked_;  // after rank(): rows_ best first
};

// Destination counts of a set of sockets, kept to be added to other counts (DestinationIndex).
struct DestinationBase {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> counts;  // (id, sockets), by id
    std::vector<std::uint32_t> ranked;                            // ids, most sockets first
    std::uint32_t of(std::uint32_t id) const {
        auto it = std::lower_bound(counts.begin(), counts.end(), std::make_pair(id, 0u));
        return it != counts.end() && it->first == id ? it->second : 0;
    }
};

// Remote endpoints numbered once per protocol, so each pool counts its destinations in one
// pass (pools nest: the wildcard pool holds every socket again).
class DestinationIndex {
  public:
    DestinationIndex(const core::Snapshot& snap, Protocol protocol) : snap_(snap) {
        // Socket indices in the order of their remote endpoints, then grouped (v4-mapped IPv6
        // folds into its IPv4 endpoint: the keys are equal).
        auto key = [&](std::uint32_t i) {
            const auto& r = snap.sockets[i].remote;
            return detail::EndpointKey{detail::addr_key(r.address), r.port};
        };
        std::vector<std::uint32_t> remotes;
        for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
            const auto& s = snap.sockets[i];
            if (s.protocol == protocol && s.remote.port != 0 && s.remote.name.empty()) {
                remotes.push_back(static_cast<std::uint32_t>(i));
            }
        }
        detail::sort_by_key<std::uint64_t>(
            remotes, key,
            [&](std::uint32_t i) -> std::optional<std::uint64_t> {
                const auto& r = snap.sockets[i].remote;
                auto bits = detail::v4_bits(r.address);
                return bits ? std::optional(std::uint64_t{*bits} << 16 | r.port) : std::nullopt;
            },
            [](std::uint64_t k) {
                return detail::EndpointKey{detail::v4_addr_key(static_cast<std::uint32_t>(k >> 16)),
                                           static_cast<std::uint16_t>(k & 0xffff)};
            });
        id_of_.assign(snap.sockets.size(), kNone);
        std::optional<detail::EndpointKey> last;
        for (auto i : remotes) {
            auto k = key(i);
            if (!last || k != *last) {
                representative_.push_back(i);
                last = k;
            }
            id_of_[i] = static_cast<std::uint32_t>(representative_.size() - 1);
        }
        counts_.assign(representative_.size(), 0);
    }
    void count(std::uint32_t socket) {
        auto id = id_of_[socket];
        if (id != kNone && counts_[id]++ == 0) {
            touched_.push_back(id);
        }
    }
    // The counts since the last call, kept apart as a base that take_top() can add to (the
    // wildcard sockets that every local-address pool holds); resets the counts.
    DestinationBase take_base() {
        DestinationBase base;
        std::sort(touched_.begin(), touched_.end());
        base.counts.reserve(touched_.size());
        for (auto id : touched_) {
            base.counts.push_back({id, counts_[id]});
            counts_[id] = 0;
        }
        touched_.clear();
        auto by_count = base.counts;
        std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) {
            return std::tie(b.second, a.first) < std::tie(a.second, b.first);
        });
        base.ranked.reserve(by_count.size());
        for (const auto& [id, sockets] : by_count) {
            base.ranked.push_back(id);
        }
        return base;
    }
    // The `n` most used destinations since the last call, plus `base` when given; resets the
    // counts. O(destinations counted + n), times log(base) for the lookups.
    std::vector<DestinationShare> take_top(std::size_t n, const DestinationBase* base = nullptr) {
        std::vector<std::uint32_t> candidates = touched_;
        auto total = [&](std::uint32_t id) { return counts_[id] + (base ? base->of(id) : 0); };
        std::size_t taken = 0;
        for (std::size_t k = 0; base && k < base->ranked.size() && taken < n; ++k) {
            auto id = base->ranked[k];  // only in the base: its first n not counted here
            if (counts_[id] == 0) {
                candidates.push_back(id);
                ++taken;
            }
        }
        auto keep = std::min(n, candidates.size());
        std::partial_sort(candidates.begin(),
                          candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                          [&](std::uint32_t a, std::uint32_t b) {
                              return std::make_tuple(total(b), a) < std::make_tuple(total(a), b);
                          });
        std::vector<DestinationShare> rows;
        rows.reserve(keep);
        for (std::size_t i = 0; i < keep; ++i) {
            const auto& remote = snap_.sockets[representative_[candidates[i]]].remote;
            rows.push_back(
                {core::Endpoint{remote.address.normalized(), remote.port}, total(candidates[i])});
        }
        reset();
        return rows;
    }

    // Forgets the counts since the last call.
    void reset() {
        for (auto id : touched_) {
            counts_[id] = 0;
        }
        touched_.clear();
    }

  private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    const core::Snapshot& snap_;
    std::vector<std::uint32_t> id_of_;           // socket -> destination id
    std::vector<std::uint32_t> representative_;  // destination id -> a socket
    std::vector<std::uint32_t> counts_;
    std::vector<std::uint32_t> touched_;
};

// Sets `port`; true when it was not set before. Sets are counted as they fill: counting a
// 65,536-bit set costs as much as a small capture's whole diagnosis.
bool add_port(PortSet& set, std::uint16_t port) {
    if (set.test(port)) {
        return false;
    }
    set.set(port);
    return true;
}

// The ports low..high (none when low > high).
PortSet port_mask(std::uint32_t low, std::uint32_t high) {
    PortSet m;
    if (low > high || high > 65535) {
        return m;
    }
    m.set();
    m >>= 65535 - (high - low);
    m <<= low;
    return m;
}

void finish(Pool& pool, const Thresholds& t) {
    std::uint64_t gone = std::uint64_t{pool.taxed} + pool.occupied;
    gone = gone > pool.reusable ? gone - pool.reusable : 0;
    pool.free = gone >= pool.size ? 0 : static_cast<std::uint32_t>(pool.size - gone);
    pool.utilisation = pool.size == 0 ? 1.0 : 1.0 - static_cast<double>(pool.free) / pool.size;
    pool.severity = rate(pool.utilisation, pool.free, t);
}

// Where a pool is listed: worst first (severity, utilisation, sockets), ties in the order built.
struct PoolRank {
    Severity severity;
    double utilisation;
    std::uint32_t sockets;
    std::uint32_t index;  // in build order
    static PoolRank of(const Pool& p, std::size_t index) {
        return {p.severity, p.utilisation, p.sockets, static_cast<std::uint32_t>(index)};
    }
};

bool listed_before(const PoolRank& a, const PoolRank& b) {
    return std::tie(b.severity, b.utilisation, b.sockets, a.index) <
           std::tie(a.severity, a.utilisation, a.sockets, b.index);
}

// Owners and destinations are kept for the worst `Thresholds::detailed_pools` pools only: a
// capture with a pool per row (200,000 destinations, or local addresses whose pools each also
// hold the wildcard listeners' five owners) spent more on them than on its sockets, and every
// reader (the findings, the listed pools, the monitor's alerts) looks at the worst ones. Pools
// are offered as they are built; the one a better pool displaces loses its detail.
class DetailBudget {
  public:
    explicit DetailBudget(std::size_t n) : n_(n) {}
    // True when `pool`, rated and about to be appended to `pools`, is among the worst n so far.
    bool admit(const Pool& pool, std::vector<Pool>& pools) {
        const auto rank = PoolRank::of(pool, pools.size());
        if (n_ == 0) {
            return false;
        }
        if (kept_.size() < n_) {
            kept_.push_back(rank);
            std::push_heap(kept_.begin(), kept_.end(), listed_before);
            return true;
        }
        if (!listed_before(rank, kept_.front())) {
            return false;
        }
        std::pop_heap(kept_.begin(), kept_.end(), listed_before);
        Pool& displaced = pools[kept_.back().index];
        displaced.owners = {};
        displaced.destinations = {};
        displaced.detailed = false;
        kept_.back() = rank;
        std::push_heap(kept_.begin(), kept_.end(), listed_before);
        return true;
    }

  private:
    std::size_t n_;
    std::vector<PoolRank> kept_;  // a heap: its front is the kept pool listed last
};

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
    std::uint32_t range_low = 0;
    DetailBudget* detail = nullptr;
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

// `more`: the local pools that follow, reserved at once with these.
void connect_pools(const Context& c, PoolModel& model, std::size_t more) {
    const auto& sockets = c.snap.sockets;
    // Socket indices sorted by key, the keys made when compared: 4 bytes per socket rather
    // than a 72-byte (key, index) record held beside 200,000 sockets.
    auto key = [&](std::uint32_t i) {
        const auto& s = sockets[i];
        return ConnectKey{c.netns(s), detail::addr_key(s.local.address),
                          detail::addr_key(s.remote.address), s.remote.port, s.local.port};
    };
    std::vector<std::uint32_t> members;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (s.protocol == Protocol::Tcp && !c.passive[i] && core::occupies_four_tuple(s.state) &&
            s.remote.port != 0 && s.remote.name.empty()) {
            members.push_back(static_cast<std::uint32_t>(i));
        }
    }
    // IPv4 in the snapshot's own namespace (nearly all): netns implied, (src:dst, dport:lport).
    using Compact = std::pair<std::uint64_t, std::uint32_t>;
    detail::sort_by_key<Compact>(
        members, key,
        [&](std::uint32_t i) -> std::optional<Compact> {
            const auto& s = sockets[i];
            auto src = detail::v4_bits(s.local.address);
            auto dst = detail::v4_bits(s.remote.address);
            if (!src || !dst || c.netns(s) != c.snap.netns) {
                return std::nullopt;
            }
            return Compact{std::uint64_t{*src} << 32 | *dst,
                           std::uint32_t{s.remote.port} << 16 | s.local.port};
        },
        [&](const Compact& k) {
            return ConnectKey{
                c.snap.netns, detail::v4_addr_key(static_cast<std::uint32_t>(k.first >> 32)),
                detail::v4_addr_key(static_cast<std::uint32_t>(k.first)),
                static_cast<std::uint16_t>(k.second >> 16), static_cast<std::uint16_t>(k.second)};
        });
    const auto starts = detail::group_starts(
        members, key, [](const ConnectKey& a, const ConnectKey& b) { return a.same_pool(b); });
    model.pools.reserve(model.pools.size() + starts.size() - 1 + more);
    bool reuse_on = model.tcp_tw_reuse == 1;
    bool timestamps = c.snap.config.tcp_timestamps.value_or(true);

    for (std::size_t g = 0; g + 1 < starts.size(); ++g) {
        const std::size_t a = starts[g];
        const std::size_t b = starts[g + 1];
        const auto& first = sockets[members[a]];
        auto src = first.local.address.normalized();
        auto dst = first.remote.address.normalized();
        Pool pool;
        pool.key = {PoolKind::TcpConnect, c.netns(first), src.family(), src,
                    core::Endpoint{dst, first.remote.port}};
        pool.size = model.tcp_size;
        pool.taxed = model.bind_owned;
        bool loopback = src.is_loopback() || dst.is_loopback();
        bool reusable_here = timestamps && (reuse_on || (model.tcp_tw_reuse == 2 && loopback));
        OwnerTally tally;
        for (std::size_t p = a; p < b;) {  // one local port at a time
            std::uint16_t port = sockets[members[p]].local.port;
            std::size_t q = p;
            bool all_old_tw = true;
            for (; q < b && sockets[members[q]].local.port == port; ++q) {
                std::uint32_t i = members[q];
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
        finish(pool, c.t);
        if (c.detail->admit(pool, model.pools)) {
            pool.owners = tally.top(c.snap, c.t.top);
        } else {
            pool.detailed = false;
        }
        model.pools.push_back(std::move(pool));
    }
}

// The sockets of one protocol's local pools, by address; how many pools they make.
struct LocalMembers {
    std::vector<std::uint32_t> specific;  // sockets, by address (then index)
    std::vector<std::uint32_t> wildcard;
    std::vector<std::uint32_t> starts;  // where each address starts in `specific`, then its size
    std::size_t pools = 1;              // the wildcard pool, and one per address
};

LocalMembers local_members(const Context& c, Protocol protocol) {
    const auto& sockets = c.snap.sockets;
    const PortSet& candidates = protocol == Protocol::Tcp && c.platform == core::Platform::Linux
                                    ? c.tcp_candidates
                                    : c.udp_candidates;
    LocalMembers m;
    auto& specific = m.specific;
    auto& wildcard = m.wildcard;
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
            specific.push_back(static_cast<std::uint32_t>(i));
        }
    }
    auto address = [&](std::uint32_t i) { return detail::addr_key(sockets[i].local.address); };
    detail::sort_by_key<std::uint32_t>(
        specific, address,
        [&](std::uint32_t i) { return detail::v4_bits(sockets[i].local.address); },
        [](std::uint32_t bits) { return detail::v4_addr_key(bits); });
    m.starts = detail::group_starts(specific, address, std::equal_to<>{});
    m.pools += m.starts.size() - 1;
    return m;
}

// Steps 5-7: one pool per local address plus the wildcard pool.
void local_pools(const Context& c, Protocol protocol, const LocalMembers& members,
                 PoolModel& model) {
    const auto& sockets = c.snap.sockets;
    const auto& specific = members.specific;
    const auto& wildcard = members.wildcard;
    PoolKind kind = protocol == Protocol::Tcp ? PoolKind::TcpLocal : PoolKind::UdpLocal;
    // build_pools reserved room for every pool once: a vector of 200,000 pools (248 bytes
    // each) that grows copies itself into one twice its size.
    model.pools.reserve(model.pools.size() + members.pools);
    std::uint32_t size = protocol == Protocol::Tcp && c.platform == core::Platform::Linux
                             ? model.tcp_size
                             : model.udp_size;

    // Every local-address pool holds the wildcard sockets too (a wildcard bind overlaps every
    // address): they are tallied once, as a base that each address's own sockets add to, so
    // a pool costs O(its own sockets), not O(wildcard sockets) (100,000 addresses x 1,000
    // wildcard listeners was 10^8 visits). The wildcard pool itself has an empty base.
    DestinationIndex destinations(c.snap, protocol);
    auto owned_by = [&](std::uint32_t i, std::int32_t pid) {
        auto pids = c.owners.of(i);
        return pid == 0 ? pids.empty() : std::find(pids.begin(), pids.end(), pid) != pids.end();
    };
    struct Base {
        PortSet used, prebound;
        std::uint32_t sockets = 0, occupied = 0, prebound_ports = 0, bound = 0;
        StateCounts states;
        OwnerTally owners;  // ranked
        DestinationBase destinations;
        std::vector<std::pair<std::int32_t, std::uint32_t>> by_owner;  // (pid, socket), sorted
        std::unordered_map<std::int32_t, DestinationBase> owner_destinations;  // when asked
    };
    Base none, wild;
    for (auto i : wildcard) {
        const auto& s = sockets[i];
        if (add_port(wild.used, s.local.port)) {
            ++wild.occupied;
            wild.bound += c.bind_owned.test(s.local.port);
        }
        if (c.prebound[i]) {
            wild.prebound_ports += add_port(wild.prebound, s.local.port);
        }
        ++wild.sockets;
        wild.states.add(s.state);
        wild.owners.add(c.owners.of(i), c.owners.inferred(i), s.state);
        destinations.count(i);
        auto pids = c.owners.of(i);
        if (pids.empty()) {
            wild.by_owner.push_back({0, i});
        }
        for (auto pid : pids) {
            wild.by_owner.push_back({pid, i});
        }
    }
    wild.owners.rank();
    wild.destinations = destinations.take_base();
    std::sort(wild.by_owner.begin(), wild.by_owner.end());
    // The destinations of one owner's sockets in the base, counted the first time asked.
    auto owner_base = [&](Base& base, std::int32_t pid) -> const DestinationBase& {
        auto [it, inserted] = base.owner_destinations.try_emplace(pid);
        if (inserted) {
            auto from = std::lower_bound(base.by_owner.begin(), base.by_owner.end(),
                                         std::make_pair(pid, std::uint32_t{0}));
            for (; from != base.by_owner.end() && from->first == pid; ++from) {
                destinations.count(from->second);
            }
            it->second = destinations.take_base();
        }
        return it->second;
    };

    // Ports of a pool's own sockets that its base does not hold: counted as they are set,
    // cleared after each pool from the list of those set (two 8 KiB sets for the run, not per
    // pool; clearing by the members read every socket again).
    PortSet extra, extra_prebound;
    std::vector<std::uint16_t> set_extra, set_prebound;
    auto build = [&](const core::IpAddress& local, Base& base, auto&& for_each_member) {
        Pool pool;
        pool.key = {kind, c.snap.netns, local.family(), local, {}};
        pool.size = size;
        pool.sockets = base.sockets;
        pool.states = base.states;
        pool.occupied = base.occupied;
        pool.prebound = base.prebound_ports;
        std::uint32_t bound = base.bound;
        OwnerTally tally;
        for_each_member([&](std::uint32_t i) {
            const auto& s = sockets[i];
            if (!base.used.test(s.local.port) && add_port(extra, s.local.port)) {
                set_extra.push_back(s.local.port);
                ++pool.occupied;
                bound += c.bind_owned.test(s.local.port);
            }
            if (c.prebound[i] && !base.prebound.test(s.local.port) &&
                add_port(extra_prebound, s.local.port)) {
                set_prebound.push_back(s.local.port);
                ++pool.prebound;
            }
            ++pool.sockets;
            pool.states.add(s.state);
            tally.add(c.owners.of(i), c.owners.inferred(i), s.state);
            destinations.count(i);
        });
        for (auto port : set_extra) {
            extra.reset(port);
        }
        for (auto port : set_prebound) {
            extra_prebound.reset(port);
        }
        set_extra.clear();
        set_prebound.clear();
        if (kind == PoolKind::TcpLocal) {
            pool.bound = bound;
        }
        finish(pool, c.t);
        if (kind == PoolKind::TcpLocal && c.platform == core::Platform::Linux &&
            pool.bound * 2 < pool.occupied && pool.severity != Severity::Ok) {
            pool.severity = Severity::Ok;
            pool.severity_capped = true;
        }
        if (!c.detail->admit(pool, model.pools)) {
            pool.detailed = false;
            destinations.reset();
            model.pools.push_back(std::move(pool));
            return;
        }
        pool.owners = tally.top(c.snap, c.t.top, &base.owners);
        pool.destinations = destinations.take_top(c.t.top, &base.destinations);
        if (pool.severity != Severity::Ok) {  // rare: a second pass for each owner's destinations
            for (auto& owner : pool.owners) {
                const auto& owner_wild = owner_base(base, owner.pid);
                for_each_member([&](std::uint32_t i) {
                    if (owned_by(i, owner.pid)) {
                        destinations.count(i);
                    }
                });
                owner.destinations = destinations.take_top(c.t.top, &owner_wild);
            }
        }
        model.pools.push_back(std::move(pool));
    };

    none.owners.rank();
    build(core::IpAddress{}, none, [&](auto&& visit) {
        for (auto i : wildcard)
            visit(i);
        for (auto i : specific)
            visit(i);
    });
    for (std::size_t g = 0; g + 1 < members.starts.size(); ++g) {
        const std::size_t a = members.starts[g];
        const std::size_t b = members.starts[g + 1];
        build(sockets[specific[a]].local.address.normalized(), wild, [&](auto&& visit) {
            for (std::size_t k = a; k < b; ++k)
                visit(specific[k]);
        });
    }
}

// Step 2, by process: who holds each bind-owned port, and how it was bound (a port held by
// several sockets counts once: LISTEN/BOUND first, then an explicit bind, then the shape).
std::vector<BindOwner> bind_owners(const Context& c) {
    enum Reason : std::uint8_t { kNone, kPrebound, kExplicit, kListening };
    const auto& sockets = c.snap.sockets;
    std::vector<std::uint8_t> reason(65536, kNone);
    std::vector<std::uint32_t> holder(65536, 0);  // socket index
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (s.protocol != Protocol::Tcp || !c.bind_owned.test(s.local.port)) {
            continue;
        }
        std::uint8_t r = s.state == TcpState::Listen || s.state == TcpState::Bound   ? kListening
                         : s.binding == core::PortBinding::Explicit && !c.passive[i] ? kExplicit
                         : c.prebound[i]                                             ? kPrebound
                                                                                     : kNone;
        if (r > reason[s.local.port]) {
            reason[s.local.port] = r;
            holder[s.local.port] = static_cast<std::uint32_t>(i);
        }
    }
    std::vector<BindOwner> out;
    std::vector<std::vector<std::uint32_t>> prebound_members;
    std::unordered_map<std::int32_t, std::size_t> index;  // pid -> out slot (a search was
                                                          // quadratic in distinct holders)
    for (std::uint32_t p = 0; p < 65536; ++p) {
        if (reason[p] == kNone) {
            continue;
        }
        auto pids = c.owners.of(holder[p]);
        std::int32_t pid = pids.empty() ? 0 : pids.front();
        auto [slot, inserted] = index.try_emplace(pid, out.size());
        if (inserted) {
            out.push_back({pid, {}, 0, 0, 0, 0, 0, 0, 0, {}, 0});
            prebound_members.emplace_back();
        }
        auto it = out.begin() + static_cast<std::ptrdiff_t>(slot->second);
        ++it->ports;
        if (reason[p] == kListening) {
            ++it->listening;
            auto binding = sockets[holder[p]].binding;
            it->listening_chosen += binding == core::PortBinding::Explicit;
            it->listening_picked += binding == core::PortBinding::Auto;
        }
        it->explicit_port += reason[p] == kExplicit;
        if (reason[p] == kPrebound) {
            ++it->prebound;
            it->prebound_odd += (p - c.range_low) % 2;
            prebound_members[static_cast<std::size_t>(it - out.begin())].push_back(holder[p]);
        }
    }
    // Built only when some holder has bind-before-connect sockets: indexing every remote
    // endpoint costs a sort of the whole table, and most hosts have none.
    std::optional<DestinationIndex> destination_index;
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (const auto* proc = out[k].pid ? c.snap.find_process(out[k].pid) : nullptr) {
            out[k].name = proc->name;
        }
        if (prebound_members[k].empty()) {
            continue;
        }
        if (!destination_index) {
            destination_index.emplace(c.snap, Protocol::Tcp);
        }
        auto& destinations = *destination_index;
        for (auto i : prebound_members[k]) {
            destinations.count(i);
        }
        out[k].destinations = destinations.take_top(65536);
        out[k].destination_count = static_cast<std::uint32_t>(out[k].destinations.size());
        if (out[k].destinations.size() > c.t.top) {
            out[k].destinations.resize(c.t.top);
        }
    }
    std::sort(out.begin(), out.end(), [](const BindOwner& a, const BindOwner& b) {
        return std::tie(b.ports, a.pid) < std::tie(a.ports, b.pid);
    });
    return out;
}

}  // namespace

core::PortRange default_range(core::Platform platform) {
    return platform == core::Platform::Windows ? core::PortRange{49152, 65535}
                                               : core::PortRange{32768, 60999};
}

PoolModel build_pools(const core::Snapshot& snap, const EffectiveOwners& owners,
                      const Thresholds& t) {
    PoolModel model;
    DetailBudget detail(t.detailed_pools);
    auto ctx = std::make_unique<Context>(
        Context{snap, owners, t, snap.config.platform, {}, {}, {}, {}, {}, 0, &detail});
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

    // Step 1: candidates. Whole-set operations, not a loop over the range: a file of 100,000
    // one-socket captures is diagnosed 100,000 times.
    const PortSet in_range = port_mask(model.range.low, model.range.high);
    PortSet reserved;
    for (const auto& r : cfg.reserved) {
        reserved |= port_mask(r.low, r.high);
    }
    reserved &= in_range;
    model.reserved = cfg.reserved.empty() ? 0 : static_cast<std::uint32_t>(reserved.count());
    c.udp_candidates = in_range & ~reserved;
    c.range_low = model.range.low;
    c.tcp_candidates = c.udp_candidates;
    const std::uint32_t range_size =
        model.range.high >= model.range.low ? model.range.high - model.range.low + 1u : 0u;
    model.udp_size = range_size - model.reserved;
    model.tcp_size = model.udp_size;
    if (linux_host && model.range.size() > 1 && model.range.size() % 2 == 1 &&
        c.tcp_candidates.test(model.range.high)) {
        c.tcp_candidates.reset(model.range.high);
        --model.tcp_size;
    }

    // Step 2: listeners, the server side, bind-owned ports.
    PortSet listening, bound_here;
    for (const auto& s : snap.sockets) {
        if (s.protocol == Protocol::Tcp &&
            (s.state == TcpState::Listen || s.state == TcpState::Bound)) {
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
        c.passive[i] =
            !is_listener && (s.state == TcpState::SynRecv || s.state == TcpState::NewSynRecv ||
                             listening.test(s.local.port));
        if ((is_listener || (s.binding == core::PortBinding::Explicit && !c.passive[i])) &&
            add_port(bound_here, s.local.port)) {
            model.listeners_in_range += in_range.test(s.local.port);
            model.bind_owned += c.tcp_candidates.test(s.local.port);
        }
    }
    PreboundInputs prebound_in{model.tcp_size, std::nullopt, &c.tcp_candidates, &bound_here};
    // The parity rule needs the range's real low end: not for a range merely assumed.
    if (cfg.ephemeral && cfg.ephemeral->size() > 0 &&
        model.range_origin.find("assumed") == std::string::npos) {
        prebound_in.parity_low = model.range.low;
    }
    c.prebound = linux_host ? detect_prebound(snap, owners, c.passive, prebound_in)
                            : std::vector<bool>(snap.sockets.size(), false);
    for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
        model.prebound_sockets += c.prebound[i];
    }
    if (linux_host) {
        c.bind_owned = bound_here & c.tcp_candidates;  // model.bind_owned counted them
        for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
            auto port = snap.sockets[i].local.port;
            if (c.prebound[i] && c.tcp_candidates.test(port)) {
                model.bind_owned += add_port(c.bind_owned, port);
            }
        }
        c.bind_owned &= c.tcp_candidates;
        model.bind_owned = static_cast<std::uint32_t>(c.bind_owned.count());
        model.bind_owners = bind_owners(c);
        for (const auto& o : model.bind_owners) {
            model.prebound_ports += o.prebound;
        }
    }
    auto tcp_local = local_members(c, Protocol::Tcp);
    auto udp_local = local_members(c, Protocol::Udp);
    if (linux_host) {
        connect_pools(c, model, tcp_local.pools + udp_local.pools);
    } else {
        model.bind_owned = 0;
        model.pools.reserve(tcp_local.pools + udp_local.pools);
    }
    local_pools(c, Protocol::Tcp, tcp_local, model);
    tcp_local = {};
    local_pools(c, Protocol::Udp, udp_local, model);

    // Worst first, ties in the order built: pool indices sorted and the pools permuted in
    // place (std::stable_sort's buffer of 200,000 pools is 50 MiB; 4 bytes a pool here).
    std::vector<std::uint32_t> order(model.pools.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = static_cast<std::uint32_t>(i);
    }
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return listed_before(PoolRank::of(model.pools[a], a), PoolRank::of(model.pools[b], b));
    });
    // Position i takes the pool at order[i]: follow each cycle of the permutation once.
    std::vector<bool> placed(order.size(), false);
    for (std::size_t start = 0; start < order.size(); ++start) {
        if (placed[start]) {
            continue;
        }
        Pool held = std::move(model.pools[start]);
        std::size_t at = start;
        for (;;) {
            placed[at] = true;
            std::size_t from = order[at];
            if (from == start) {
                model.pools[at] = std::move(held);
                break;
            }
            model.pools[at] = std::move(model.pools[from]);
            at = from;
        }
    }
    return model;
}

}  // namespace portwatch::analyze
