#include "analyze/attribution.h"

#include <algorithm>
#include <climits>
#include <map>

#include "analyze/addr_key.h"

namespace portwatch::analyze {

namespace {

using RemoteKey = detail::EndpointKey;

// Sockets the application no longer holds: TIME_WAIT, and orphans still closing.
bool closed_by_application(const core::Socket& s) {
    using core::TcpState;
    return s.protocol == core::Protocol::Tcp && s.owners.empty() &&
           (s.state == TcpState::TimeWait || s.state == TcpState::FinWait1 ||
            s.state == TcpState::FinWait2 || s.state == TcpState::Closing ||
            s.state == TcpState::LastAck);
}

bool has_remote(const core::Socket& s) {
    return s.remote.name.empty() && s.remote.port != 0;
}

}  // namespace

EffectiveOwners EffectiveOwners::build(const core::Snapshot& snapshot) {
    EffectiveOwners result;
    result.snapshot_ = &snapshot;
    const auto& sockets = snapshot.sockets;
    result.inferred_.assign(sockets.size(), false);
    result.inferred_index_.assign(sockets.size(), 0);

    // Owners of live TCP sockets by the remote endpoint they talk to.
    std::vector<std::pair<RemoteKey, std::int32_t>> talkers;
    for (const auto& s : sockets) {
        if (s.protocol != core::Protocol::Tcp || s.owners.empty() || !has_remote(s)) {
            continue;
        }
        for (auto pid : s.owners) {
            talkers.push_back({RemoteKey{detail::addr_key(s.remote.address), s.remote.port}, pid});
        }
    }
    std::sort(talkers.begin(), talkers.end());
    talkers.erase(std::unique(talkers.begin(), talkers.end()), talkers.end());

    std::map<RemoteKey, std::uint32_t> lists;  // key -> inferred_owners_ slot + 1 (0: none)
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (!closed_by_application(s)) {
            continue;
        }
        if (!has_remote(s)) {
            result.unowned_time_wait_ += s.state == core::TcpState::TimeWait;
            continue;
        }
        RemoteKey key{detail::addr_key(s.remote.address), s.remote.port};
        std::uint32_t slot = 0;
        if (auto cached = lists.find(key); cached != lists.end()) {
            slot = cached->second;
        } else {
            auto [lo, hi] = std::equal_range(
                talkers.begin(), talkers.end(), std::pair<RemoteKey, std::int32_t>{key, INT32_MIN},
                [](const auto& a, const auto& b) { return a.first < b.first; });
            if (lo != hi) {
                std::vector<std::int32_t> pids;
                for (auto it = lo; it != hi; ++it) {
                    pids.push_back(it->second);
                }
                result.inferred_owners_.push_back(std::move(pids));
                slot = static_cast<std::uint32_t>(result.inferred_owners_.size());
            }
            lists.emplace(key, slot);
        }
        if (slot == 0) {
            result.unowned_time_wait_ += s.state == core::TcpState::TimeWait;
            continue;
        }
        result.inferred_index_[i] = slot;
        result.inferred_[i] = true;
        ++result.inferred_count_;
    }
    return result;
}

std::span<const std::int32_t> EffectiveOwners::of(std::size_t i) const {
    const auto& own = snapshot_->sockets[i].owners;
    if (!own.empty()) {
        return own;
    }
    std::uint32_t slot = inferred_index_[i];
    if (slot == 0) {
        return {};
    }
    return inferred_owners_[slot - 1];
}

std::size_t attribute_time_wait(core::Snapshot& snapshot) {
    auto owners = EffectiveOwners::build(snapshot);
    std::size_t count = 0;
    for (std::size_t i = 0; i < snapshot.sockets.size(); ++i) {
        if (owners.inferred(i)) {
            auto pids = owners.of(i);
            snapshot.sockets[i].owners.assign(pids.begin(), pids.end());
            snapshot.sockets[i].attribution = core::Attribution::InferredEndpoint;
            ++count;
        }
    }
    return count;
}

}  // namespace portwatch::analyze
