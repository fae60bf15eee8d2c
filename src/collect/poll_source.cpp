#include "collect/poll_source.h"

#include <algorithm>
#include <thread>

#include "core/radix_sort.h"

namespace portwatch::collect {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    // splitmix64's finaliser over the running hash
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    return h;
}

std::uint64_t word(const std::array<std::uint8_t, 16>& b, int half) {
    std::uint64_t w = 0;
    for (int i = 0; i < 8; ++i) {
        w = w << 8 | b[static_cast<std::size_t>(half * 8 + i)];
    }
    return w;
}

core::IpAddress address_of(const std::array<std::uint8_t, 16>& bytes, core::Family family,
                           std::uint32_t scope) {
    return family == core::Family::Ipv4 ? core::IpAddress::v4_bytes(bytes.data())
                                        : core::IpAddress::v6_bytes(bytes.data(), scope);
}

}  // namespace

std::size_t SocketKeyHash::operator()(const SocketKey& k) const noexcept {
    std::uint64_t h = mix(k.cookie, k.netns);
    h = mix(h, k.inode);
    h = mix(h, word(k.local, 0));
    h = mix(h, word(k.local, 1));
    h = mix(h, word(k.remote, 0));
    h = mix(h, word(k.remote, 1));
    h = mix(h, std::uint64_t{k.local_port} << 32 | std::uint64_t{k.remote_port} << 16 |
                   static_cast<std::uint64_t>(k.protocol) << 8 |
                   static_cast<std::uint64_t>(k.family));
    return static_cast<std::size_t>(mix(h, std::uint64_t{k.local_scope} << 32 | k.remote_scope));
}

SocketKey tuple_key(const core::Socket& s) {
    SocketKey k;
    k.netns = s.netns;
    k.protocol = s.protocol;
    k.family = s.family();
    k.local = s.local.address.bytes();
    k.remote = s.remote.address.bytes();
    k.local_scope = s.local.address.scope_id();
    k.remote_scope = s.remote.address.scope_id();
    k.local_port = s.local.port;
    k.remote_port = s.remote.port;
    return k;
}

SocketKey socket_key(const core::Socket& s) {
    if (s.cookie != 0) {
        SocketKey k;
        k.cookie = s.cookie;
        return k;
    }
    SocketKey k = tuple_key(s);
    if (s.protocol == core::Protocol::Udp || !core::occupies_four_tuple(s.state)) {
        k.inode = s.inode;
    }
    return k;
}

std::uint32_t SnapshotDiffer::maker_of(const core::Snapshot& snapshot, const core::Socket& s) {
    if (s.owners.empty()) {
        return 0;
    }
    const std::int32_t pid = s.owners.front();
    const core::Process* p = snapshot.find_process(pid);
    const std::int64_t start = p != nullptr ? p->start_time : 0;
    const std::uint64_t id =
        std::uint64_t{static_cast<std::uint32_t>(pid)} << 32 ^ static_cast<std::uint64_t>(start);
    auto [it, added] = maker_index_.try_emplace(id, 0);
    if (added) {
        core::Maker m;
        m.pid = pid;
        m.start_time = start;
        if (p != nullptr) {
            m.comm = p->name;
        }
        makers_.push_back(std::move(m));
        it->second = static_cast<std::uint32_t>(makers_.size());
    }
    return it->second;
}

core::Direction SnapshotDiffer::direction_of(const core::Snapshot& next, const core::Socket& s) {
    if (s.remote.port == 0) {
        return core::Direction::Unknown;  // a listener, an unconnected or bound-only socket
    }
    if (!listeners_) {
        listeners_.emplace(next);
    }
    return listeners_->direction(s);
}

void SnapshotDiffer::baseline(const core::Snapshot& snapshot) {
    known_.clear();
    by_cookie_.clear();
    slots_.clear();
    free_slots_.clear();
    gone_.clear();
    apply(snapshot, nullptr);
    has_baseline_ = true;
}

void SnapshotDiffer::diff(const core::Snapshot& next, core::EventBatch& out) {
    if (!has_baseline_) {
        baseline(next);
        return;
    }
    apply(next, &out);
}

void SnapshotDiffer::event(core::PortEventKind kind, const core::Snapshot& next,
                           const core::Socket& s, core::TcpState from, const Known& k,
                           core::EventBatch& out) const {
    core::PortEvent e;
    e.at = next.taken_at;
    e.kind = kind;
    e.protocol = s.protocol;
    e.from = from;
    e.to = kind == core::PortEventKind::Closed ? core::TcpState::Close : s.state;
    e.local = s.local;
    e.remote = s.remote;
    e.cookie = s.cookie;
    e.netns = s.netns != 0 ? s.netns : next.netns;
    e.direction = k.direction;
    if (k.maker != 0) {
        e.maker = makers_[k.maker - 1];
        e.maker_exact = k.exact;
    }
    out.ports.push_back(std::move(e));
}

void SnapshotDiffer::seen(const core::Snapshot& next, const core::Socket& s, Known& k, bool added,
                          core::EventBatch* out) {
    // A socket known to be held by the same pid as last time keeps its maker: no lookups
    // (two per socket per sample: the process, the maker's index).
    const bool same_holder = !added && k.exact && k.maker != 0 && !s.owners.empty() &&
                             makers_[k.maker - 1].pid == s.owners.front();
    const std::uint32_t owner = same_holder ? k.maker : maker_of(next, s);
    if (owner != 0) {
        k.maker = owner;
        k.exact = true;
    }
    if (added) {
        k.state = s.state;
        k.tuple = tuple_key(s);
        k.direction = direction_of(next, s);
        if (owner == 0) {
            // A socket seen for the first time without a descriptor (a TIME_WAIT of a
            // connection that lived less than an interval, or one known under another key):
            // the maker of the same 4-tuple gone lately, not sure.
            if (auto g = gone_.find(k.tuple); g != gone_.end()) {
                k.maker = g->second.maker;
                k.exact = false;
                gone_.erase(g);
            }
        }
        if (out != nullptr) {
            event(core::PortEventKind::Opened, next, s, core::TcpState::Unknown, k, *out);
        }
    } else if (k.state != s.state) {
        const core::TcpState from = k.state;
        k.state = s.state;
        if (out != nullptr) {
            event(core::PortEventKind::StateChanged, next, s, from, k, *out);
        }
    }
}

void SnapshotDiffer::vanished(const core::Snapshot& next, std::uint64_t cookie, const Known& k,
                              core::EventBatch* out) {
    if (out != nullptr) {
        // Its endpoints come from the tuple it was kept with.
        core::Socket s;
        s.protocol = k.tuple.protocol;
        s.state = k.state;
        s.local.address = address_of(k.tuple.local, k.tuple.family, k.tuple.local_scope);
        s.local.port = k.tuple.local_port;
        s.remote.address = address_of(k.tuple.remote, k.tuple.family, k.tuple.remote_scope);
        s.remote.port = k.tuple.remote_port;
        s.cookie = cookie;
        s.netns = k.tuple.netns;
        event(core::PortEventKind::Closed, next, s, k.state, k, *out);
    }
    if (k.maker != 0) {
        gone_[k.tuple] = Gone{k.maker, next.taken_at};
    }
}

void SnapshotDiffer::apply(const core::Snapshot& next, core::EventBatch* out) {
    listeners_.reset();
    // Sockets with a cookie (sock_diag, nearly all): a sorted merge of the snapshot's cookies
    // with the known ones. 100k sockets a second through a hash map of 72-byte keys cost a
    // quarter of the monitor's CPU; sorting 8-byte keys and walking both lists in order does
    // not. The lists hold (cookie, slot) and each Known stays in its slot: merging 100-byte
    // records instead copied 10 MB a sample, most of this function's time.
    // Both lists are kept between samples (cleared, not freed): fresh ones cost page faults
    // on every sample, a few per cent of the monitor's CPU at 100k sockets.
    auto& order = order_;  // (cookie, index in next)
    auto& merged = merged_;
    order.clear();
    merged.clear();
    order.reserve(next.sockets.size());
    for (std::uint32_t i = 0; i < next.sockets.size(); ++i) {
        if (next.sockets[i].cookie != 0) {
            order.emplace_back(next.sockets[i].cookie, i);
        }
    }
    // Made in index order, so a stable sort by cookie is the (cookie, index) order; cookies
    // come from one counter and share their high bytes, which radix_sort skips.
    core::radix_sort(
        order, [](const auto& p) { return p.first; }, order_scratch_);
    merged.reserve(order.size());
    auto old = by_cookie_.begin();
    for (std::size_t j = 0; j < order.size(); ++j) {
        const std::uint64_t cookie = order[j].first;
        if (j > 0 && order[j - 1].first == cookie) {
            continue;  // the same socket listed twice: once is enough
        }
        while (old != by_cookie_.end() && old->first < cookie) {
            vanished(next, old->first, slots_[old->second], out);
            free_slots_.push_back(old->second);
            ++old;
        }
        const core::Socket& s = next.sockets[order[j].second];
        if (old != by_cookie_.end() && old->first == cookie) {
            merged.push_back(*old);
            ++old;
            seen(next, s, slots_[merged.back().second], false, out);
        } else {
            std::uint32_t slot;
            if (free_slots_.empty()) {
                slot = static_cast<std::uint32_t>(slots_.size());
                slots_.emplace_back();
            } else {
                slot = free_slots_.back();
                free_slots_.pop_back();
                slots_[slot] = Known{};
            }
            merged.emplace_back(cookie, slot);
            seen(next, s, slots_[slot], true, out);
        }
    }
    for (; old != by_cookie_.end(); ++old) {
        vanished(next, old->first, slots_[old->second], out);
        free_slots_.push_back(old->second);
    }
    by_cookie_.swap(merged);

    // Sockets without a cookie (the /proc/net fallback): by 4-tuple in a hash map.
    const std::uint64_t gen = ++generation_;
    for (const auto& s : next.sockets) {
        if (s.cookie != 0) {
            continue;
        }
        auto [it, added] = known_.try_emplace(socket_key(s));
        seen(next, s, it->second, added, out);
        it->second.generation = gen;
    }
    for (auto it = known_.begin(); it != known_.end();) {
        if (it->second.generation == gen) {
            ++it;
            continue;
        }
        vanished(next, 0, it->second, out);
        it = known_.erase(it);
    }
    for (auto g = gone_.begin(); g != gone_.end();) {
        g = next.taken_at - g->second.at > remember_ ? gone_.erase(g) : std::next(g);
    }
    prune_makers();
}

void SnapshotDiffer::prune_makers() {
    // Makers no known or gone socket refers to any more are dropped now and then, so a long
    // run with many short-lived processes does not grow without bound.
    if (makers_.size() < 4096 ||
        makers_.size() < 2 * ((known_.size() + by_cookie_.size()) / 64 + 64)) {
        return;
    }
    std::vector<std::uint32_t> remap(makers_.size() + 1, 0);
    for (const auto& [key, k] : known_) {
        remap[k.maker] = 1;
    }
    for (const auto& [cookie, slot] : by_cookie_) {
        remap[slots_[slot].maker] = 1;
    }
    for (const auto& [key, g] : gone_) {
        remap[g.maker] = 1;
    }
    std::vector<core::Maker> kept;
    maker_index_.clear();
    for (std::size_t i = 1; i < remap.size(); ++i) {
        if (remap[i] == 0) {
            continue;
        }
        kept.push_back(std::move(makers_[i - 1]));
        remap[i] = static_cast<std::uint32_t>(kept.size());
        const auto& m = kept.back();
        maker_index_[std::uint64_t{static_cast<std::uint32_t>(m.pid)} << 32 ^
                     static_cast<std::uint64_t>(m.start_time)] = remap[i];
    }
    remap[0] = 0;
    for (auto& [key, k] : known_) {
        k.maker = remap[k.maker];
    }
    for (auto& [cookie, slot] : by_cookie_) {
        slots_[slot].maker = remap[slots_[slot].maker];
    }
    for (auto& [key, g] : gone_) {
        g.maker = remap[g.maker];
    }
    makers_ = std::move(kept);
}

Result<std::unique_ptr<PollSource>> PollSource::open(const LiveOptions& options,
                                                     std::chrono::milliseconds interval) {
    std::unique_ptr<PollSource> source(new PollSource(options, interval));
    auto first = take_live_snapshot(options);
    if (!first) {
        return std::unexpected(first.error());
    }
    source->differ_.baseline(*first);
    source->next_ = std::chrono::steady_clock::now() + interval;
    return source;
}

void PollSource::offer(const core::Snapshot& snapshot) {
    fed_ = true;
    differ_.diff(snapshot, pending_);
}

Result<void> PollSource::poll(std::chrono::milliseconds timeout, core::EventBatch& out) {
    auto deliver = [&] {
        out.ports.insert(out.ports.end(), std::make_move_iterator(pending_.ports.begin()),
                         std::make_move_iterator(pending_.ports.end()));
        pending_.clear();
    };
    if (!pending_.ports.empty() || fed_) {
        if (pending_.ports.empty() && timeout.count() > 0) {
            std::this_thread::sleep_for(timeout);  // fed: the next snapshot comes by offer()
        }
        deliver();
        return {};
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) {
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(timeout, next_ - now));
        if (std::chrono::steady_clock::now() < next_) {
            return {};
        }
    }
    auto snapshot = take_live_snapshot(options_);
    if (!snapshot) {
        return std::unexpected(with_context(snapshot.error(), "poll source"));
    }
    differ_.diff(*snapshot, pending_);
    // The next snapshot one interval after this one was due; intervals that passed while
    // this one was taken are missed.
    next_ += interval_;
    const auto after = std::chrono::steady_clock::now();
    while (next_ <= after) {
        next_ += interval_;
        ++missed_;
    }
    deliver();
    return {};
}

}  // namespace portwatch::collect
