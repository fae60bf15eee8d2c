#include "analyze/prebound.h"

#include <algorithm>
#include <cmath>

#include "analyze/addr_key.h"

namespace portwatch::analyze {

namespace {

bool outgoing_candidate(const core::Socket& s) {
    return s.protocol == core::Protocol::Tcp && s.binding != core::PortBinding::Explicit &&
           s.remote.port != 0 && s.remote.name.empty() && core::occupies_four_tuple(s.state);
}

using Dest = detail::EndpointKey;

Dest dest_of(const core::Socket& s) {
    return {detail::addr_key(s.remote.address), s.remote.port};
}

// Shape 1: connections to several destinations that never share a port although independent
// connect() choices would have shared one at least kPreboundMinExpectedShares times.
bool unshared_across_destinations(std::vector<Dest> dests, std::uint32_t range_size) {
    std::sort(dests.begin(), dests.end());
    double n = static_cast<double>(dests.size());
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
    return distinct >= 2 && expected >= kPreboundMinExpectedShares;
}

// Shape 2, first test: bind()'s parity in the process's own ports (cheap, so it runs first).
// Returns how many are at an odd offset, or 0 when the excess is not there.
std::uint32_t odd_excess(const std::vector<std::uint16_t>& ports, std::uint16_t low,
                         const std::bitset<65536>& candidates, double sigmas) {
    std::uint32_t odd = 0, even = 0;
    for (auto p : ports) {
        if (!candidates.test(p)) {
            return 0;  // outside the auto-assignable ports: not from bind(ip, 0)
        }
        ((p - low) % 2 ? odd : even) += 1;
    }
    double n = odd + even;
    if (odd < kPreboundMinOddPorts || odd <= even || (odd - even) < sigmas * std::sqrt(n)) {
        return 0;
    }
    return odd;
}

// Shape 2, second test: connect() would have taken even ports while there were any for the
// process's destinations, so there must be a fair number of them (a plain client pushed onto
// odd ports by others holding the even ones shows few). `blocked`: the ports plain connect()
// could not have used for those destinations (bound by others, holding a 4-tuple to one of
// them, or the process's own).
bool even_ports_were_there(std::uint32_t odd, std::uint16_t low,
                           const std::bitset<65536>& candidates,
                           const std::bitset<65536>& blocked) {
    std::uint32_t available_even = 0;
    for (std::uint32_t p = low; p < 65536; p += 2) {
        available_even += candidates.test(p) && !blocked.test(p);
    }
    return available_even * 4 >= odd;
}

}  // namespace

std::vector<bool> detect_prebound(const core::Snapshot& snapshot, const EffectiveOwners& owners,
                                  const std::vector<bool>& passive, const PreboundInputs& in) {
    const auto& sockets = snapshot.sockets;
    std::vector<bool> result(sockets.size(), false);
    if (in.range_size == 0) {
        return result;
    }
    // The first owner stands for the socket: processes sharing sockets after fork() are
    // judged together. (pid, socket) pairs sorted by pid, 8 bytes a socket: a map of vectors
    // cost ~100 bytes for each of 200,000 processes with one socket each.
    std::vector<std::pair<std::int32_t, std::uint32_t>> by_pid;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        auto pids = owners.of(i);
        if (passive[i] || pids.empty() || !outgoing_candidate(sockets[i])) {
            continue;
        }
        by_pid.push_back({pids.front(), static_cast<std::uint32_t>(i)});
    }
    std::sort(by_pid.begin(), by_pid.end());
    // TCP sockets on each local port, counted only when some process has enough sockets to
    // judge (a capture of one socket is not worth 256 KiB).
    std::vector<std::uint32_t> per_port;
    bool parity = in.parity_low && in.candidates && in.bound;
    // Every outgoing connection by destination, for the coincidences a process's ports should
    // have had with other processes' connections elsewhere: socket indices sorted by
    // destination when first asked (4 bytes a socket; a map of 200,000 destinations was 16 MB).
    std::vector<std::uint32_t> outgoing;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        if (!passive[i] && outgoing_candidate(sockets[i])) {
            outgoing.push_back(static_cast<std::uint32_t>(i));
        }
    }
    const auto all = static_cast<std::uint32_t>(outgoing.size());
    bool outgoing_sorted = false;
    auto connections_to = [&](const Dest& d) {
        if (!outgoing_sorted) {
            std::sort(outgoing.begin(), outgoing.end(), [&](std::uint32_t a, std::uint32_t b) {
                return dest_of(sockets[a]) < dest_of(sockets[b]);
            });
            outgoing_sorted = true;
        }
        auto lo = std::lower_bound(
            outgoing.begin(), outgoing.end(), d,
            [&](std::uint32_t i, const Dest& v) { return dest_of(sockets[i]) < v; });
        auto hi = std::upper_bound(lo, outgoing.end(), d, [&](const Dest& v, std::uint32_t i) {
            return v < dest_of(sockets[i]);
        });
        return static_cast<std::uint32_t>(hi - lo);
    };
    std::vector<std::uint32_t> members;
    for (std::size_t from = 0; from < by_pid.size();) {
        std::size_t to = from;
        members.clear();
        for (; to < by_pid.size() && by_pid[to].first == by_pid[from].first; ++to) {
            members.push_back(by_pid[to].second);
        }
        from = to;
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
        std::vector<std::uint16_t> ports;
        dests.reserve(members.size());
        for (auto i : members) {
            dests.push_back(dest_of(sockets[i]));
            ports.push_back(sockets[i].local.port);
        }
        bool shaped = unshared_across_destinations(dests, in.range_size);
        std::uint32_t odd = 0;
        if (!shaped && parity) {
            // Pairs with other processes' connections to other destinations would each have
            // shared a port with probability 1/range_size, were both plain connect(): none
            // did, so one side bound its ports; bind()'s parity says which, on less evidence.
            std::sort(dests.begin(), dests.end());
            double cross = 0;
            double others = all - static_cast<double>(members.size());
            for (std::size_t a = 0; a < dests.size();) {
                std::size_t b = a;
                while (b < dests.size() && dests[b] == dests[a])
                    ++b;
                double mine = static_cast<double>(b - a);
                cross += mine * (others - (connections_to(dests[a]) - mine));
                a = b;
            }
            cross /= in.range_size;
            odd = odd_excess(ports, *in.parity_low, *in.candidates,
                             cross >= kPreboundMinExpectedShares
                                 ? kPreboundMinParitySigmasCorroborated
                                 : kPreboundMinParitySigmas);
        }
        if (odd > 0) {
            dests.erase(std::unique(dests.begin(), dests.end()), dests.end());
            std::bitset<65536> blocked = *in.bound;
            for (auto p : ports) {
                blocked.set(p);
            }
            for (const auto& s : sockets) {
                if (s.protocol == core::Protocol::Tcp && s.remote.port != 0 &&
                    std::binary_search(dests.begin(), dests.end(), dest_of(s))) {
                    blocked.set(s.local.port);
                }
            }
            shaped = even_ports_were_there(odd, *in.parity_low, *in.candidates, blocked);
        }
        if (!shaped) {
            continue;
        }
        for (auto i : members) {
            result[i] = true;
        }
    }
    return result;
}

}  // namespace portwatch::analyze
