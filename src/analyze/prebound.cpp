#include "analyze/prebound.h"

#include "analyze/addr_key.h"

#include <algorithm>
#include <unordered_map>

namespace portwatch::analyze {

namespace {

bool outgoing_candidate(const core::Socket& s) {
    return s.protocol == core::Protocol::Tcp && s.binding != core::PortBinding::Explicit &&
           s.remote.port != 0 && s.remote.name.empty() && core::occupies_four_tuple(s.state);
}

using Dest = detail::EndpointKey;

}  // namespace

std::vector<bool> detect_prebound(const core::Snapshot& snapshot, const EffectiveOwners& owners,
                                  const std::vector<bool>& passive, std::uint32_t range_size) {
    const auto& sockets = snapshot.sockets;
    std::vector<bool> result(sockets.size(), false);
    if (range_size == 0) {
        return result;
    }
    // The first owner stands for the socket: processes sharing sockets after fork() are
    // judged together.
    std::unordered_map<std::int32_t, std::vector<std::uint32_t>> by_pid;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        auto pids = owners.of(i);
        if (passive[i] || pids.empty() || !outgoing_candidate(sockets[i])) {
            continue;
        }
        by_pid[pids.front()].push_back(static_cast<std::uint32_t>(i));
    }
    // TCP sockets on each local port, counted only when some process has enough sockets to
    // judge (a capture of one socket is not worth 256 KiB).
    std::vector<std::uint32_t> per_port;
    for (auto& [pid, members] : by_pid) {
        if (members.size() < 4) {
            continue;
        }
        if (per_port.empty()) {
            per_port.assign(65536, 0);
            for (const auto& s : sockets) {
                if (s.protocol == core::Protocol::Tcp) {
                    ++per_port[s.local.port];
                }
            }
        }
        bool any_shared = std::any_of(members.begin(), members.end(), [&](std::uint32_t i) {
            return per_port[sockets[i].local.port] > 1;
        });
        if (any_shared) {
            continue;
        }
        std::vector<Dest> dests;
        dests.reserve(members.size());
        for (auto i : members) {
            dests.push_back({detail::addr_key(sockets[i].remote.address), sockets[i].remote.port});
        }
        std::sort(dests.begin(), dests.end());
        double n = static_cast<double>(members.size());
        double same_destination_pairs = 0;
        std::size_t distinct = 0;
        for (std::size_t a = 0; a < dests.size();) {
            std::size_t b = a;
            while (b < dests.size() && dests[b] == dests[a]) {
                ++b;
            }
            double k = static_cast<double>(b - a);
            same_destination_pairs += k * k;
            ++distinct;
            a = b;
        }
        // Pairs to different destinations pick their ports independently: each pair lands on
        // the same port with probability 1/range_size.
        double expected = (n * n - same_destination_pairs) / 2.0 / range_size;
        if (distinct < 2 || expected < kPreboundMinExpectedShares) {
            continue;
        }
        for (auto i : members) {
            result[i] = true;
        }
    }
    return result;
}

}  // namespace portwatch::analyze
