#include "monitor/tally.h"

#include <utility>

#include "core/listener_index.h"

namespace portwatch::monitor {

namespace {

collect::SocketKey maker_key(const core::Socket& s, std::uint64_t netns) {
    if (s.cookie != 0) {
        collect::SocketKey k;
        k.cookie = s.cookie;
        return k;
    }
    collect::SocketKey k = collect::tuple_key(s);
    if (k.netns == 0) {
        k.netns = netns;
    }
    return k;
}

// 64 bits of an endpoint (address, scope, port): a collision would only merge two
// destinations' counts for the top-destination guess.
std::uint64_t endpoint_hash(const core::Endpoint& e) {
    const auto& b = e.address.bytes();
    std::uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) {
        hi = hi << 8 | b[static_cast<std::size_t>(i)];
        lo = lo << 8 | b[static_cast<std::size_t>(8 + i)];
    }
    std::uint64_t h = hi * 0x9e3779b97f4a7c15ull ^ lo;
    h ^= (std::uint64_t{e.address.scope_id()} << 16 | e.port) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    return h;
}

}  // namespace

void MakerMap::learn(const core::PortEvent& e) {
    core::Socket s;
    s.protocol = e.protocol;
    s.state = e.to;
    s.local = e.local;
    s.remote = e.remote;
    s.cookie = e.cookie;
    s.netns = e.netns;
    const collect::SocketKey key = maker_key(s, e.netns);
    if (e.kind == core::PortEventKind::Closed) {
        map_.erase(key);
        return;
    }
    if (e.maker.pid == 0) {
        return;
    }
    auto [it, added] = map_.try_emplace(key, MakerEntry{e.maker, e.maker_exact});
    if (!added && (e.maker_exact || !it->second.exact)) {
        it->second = MakerEntry{e.maker, e.maker_exact};
    }
}

const MakerEntry* MakerMap::find(const core::Socket& s, std::uint64_t netns) const {
    auto it = map_.find(maker_key(s, netns));
    return it == map_.end() ? nullptr : &it->second;
}

void MakerMap::keep_only(const core::Snapshot& snapshot) {
    if (map_.size() <= 2 * snapshot.sockets.size() + 65536) {
        return;
    }
    std::unordered_map<collect::SocketKey, MakerEntry, collect::SocketKeyHash> kept;
    for (const auto& s : snapshot.sockets) {
        auto it = map_.find(maker_key(s, snapshot.netns));
        if (it != map_.end()) {
            kept.insert(*it);
        }
    }
    map_ = std::move(kept);
}

Tallies tally_processes(const core::Snapshot& snapshot, const MakerMap& makers) {
    struct Destination {
        std::uint32_t sockets = 0;
        const core::Endpoint* remote = nullptr;
    };
    struct Acc {
        ProcessTally t;
        std::unordered_map<std::uint64_t, Destination> destinations;  // by endpoint_hash
    };
    std::unordered_map<std::int32_t, Acc> acc;
    const core::ListenerIndex listeners(snapshot);
    auto add = [&listeners](Acc& a, const core::Socket& s, bool exact) {
        const core::Direction direction = listeners.direction(s);
        if (direction == core::Direction::Inbound) {
            ++a.t.accepted;
            return;
        }
        ++a.t.ports;
        switch (s.state) {
            case core::TcpState::Established:
                ++a.t.established;
                break;
            case core::TcpState::TimeWait:
                ++a.t.time_wait;
                a.t.time_wait_exact += exact;
                break;
            case core::TcpState::CloseWait:
                ++a.t.close_wait;
                break;
            default:
                ++a.t.other;
        }
        if (direction == core::Direction::Outbound) {
            Destination& d = a.destinations[endpoint_hash(s.remote)];
            ++d.sockets;
            d.remote = &s.remote;
        }
    };
    for (const auto& s : snapshot.sockets) {
        if (!s.owners.empty()) {
            // A snapshot taken while an eBPF event source runs names the makers of TIME_WAIT
            // sockets itself, from the pinned maker map: those are exact too.
            const bool recorded = s.attribution == core::Attribution::Recorded;
            for (std::int32_t pid : s.owners) {
                add(acc[pid], s, recorded);
            }
        } else if (const MakerEntry* m = makers.find(s, snapshot.netns); m != nullptr) {
            Acc& a = acc[m->maker.pid];
            add(a, s, m->exact);
            if (a.t.name.empty()) {
                a.t.name = m->maker.comm;
                a.t.start_time = m->maker.start_time;
            }
        } else {
            add(acc[0], s, false);
        }
    }
    Tallies out;
    for (auto& [pid, a] : acc) {
        if (const core::Process* p = snapshot.find_process(pid); p != nullptr) {
            a.t.name = p->name;
            a.t.unit = p->cgroup;
            a.t.start_time = p->start_time;
        }
        const Destination* top = nullptr;
        for (const auto& [key, d] : a.destinations) {
            if (top == nullptr || d.sockets > top->sockets) {
                top = &d;
            }
        }
        if (top != nullptr) {
            a.t.top_destination = top->remote->to_string();
        }
        out.emplace(pid, std::move(a.t));
    }
    return out;
}

}  // namespace portwatch::monitor
