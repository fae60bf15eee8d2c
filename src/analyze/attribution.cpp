#include "analyze/attribution.h"

#include <algorithm>
#include <optional>
#include <utility>

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
    auto key_of = [](const core::Socket& s) {
        return RemoteKey{detail::addr_key(s.remote.address), s.remote.port};
    };

    // The remote endpoints that closed sockets talked to: only live sockets to those matter,
    // usually a few endpoints among many (a sort of every live socket's key was a tenth of a
    // monitor's sample at 100k sockets).
    std::vector<RemoteKey> wanted;
    for (const auto& s : sockets) {
        if (closed_by_application(s) && has_remote(s)) {
            wanted.push_back(key_of(s));
        }
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    auto wanted_index = [&](const RemoteKey& key) -> std::optional<std::uint32_t> {
        auto it = std::lower_bound(wanted.begin(), wanted.end(), key);
        if (it == wanted.end() || *it != key) {
            return std::nullopt;
        }
        return static_cast<std::uint32_t>(it - wanted.begin());
    };

    // Owners of live TCP sockets to those endpoints: (endpoint, pid), sorted, unique.
    std::vector<std::pair<std::uint32_t, std::int32_t>> talkers;
    if (!wanted.empty()) {
        for (const auto& s : sockets) {
            if (s.protocol != core::Protocol::Tcp || s.owners.empty() || !has_remote(s)) {
                continue;
            }
            if (auto w = wanted_index(key_of(s))) {
                for (auto pid : s.owners) {
                    if (talkers.empty() || talkers.back() != std::pair{*w, pid}) {
                        talkers.emplace_back(*w, pid);
                    }
                }
            }
        }
        std::sort(talkers.begin(), talkers.end());
        talkers.erase(std::unique(talkers.begin(), talkers.end()), talkers.end());
    }

    // One owner list per endpoint that has talkers: slots[endpoint] = its index + 1, 0: none.
    std::vector<std::uint32_t> slots(wanted.size(), 0);
    for (std::size_t t = 0; t < talkers.size();) {
        const std::uint32_t w = talkers[t].first;
        std::vector<std::int32_t> pids;
        for (; t < talkers.size() && talkers[t].first == w; ++t) {
            pids.push_back(talkers[t].second);
        }
        result.inferred_owners_.push_back(std::move(pids));
        slots[w] = static_cast<std::uint32_t>(result.inferred_owners_.size());
    }

    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (!closed_by_application(s)) {
            continue;
        }
        const std::uint32_t slot = has_remote(s) ? slots[*wanted_index(key_of(s))] : 0;
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
