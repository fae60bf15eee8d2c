#pragma once
// Bind-before-connect, recognised by its shape. bind(ip, 0) does not set SOCK_BINDPORT_LOCK,
// so sock_diag reports such sockets as automatically bound; but a port bound that way is never
// shared (its bind bucket excludes every connect() autobind), and the kernel hands it out
// by bind()'s rules, not connect()'s:
//
// 1. Sharing. Plain connect() to different destinations picks ports independently and, once a
//    process holds enough of them, inevitably lands two destinations on one port. A process
//    whose connections to several destinations never share a port, although they would have
//    been expected to at least kPreboundMinExpectedShares times, bound them first.
// 2. Parity (Linux 4.6+, linux-port-allocation.md §1.2, §2.1). connect() scans the ports at
//    an even offset from the range's low end first and takes an odd one only when no even
//    port is left for that destination; bind(ip, 0) does the opposite. So a process that
//    holds mostly odd-offset ports, shares none of them, while even ones were there for its
//    destinations, got them from bind(): this holds with ONE destination (a proxy bound to a
//    source address in front of one upstream: nginx proxy_bind, HAProxy `source`) as well as
//    many. The odd excess must be 4 standard deviations, or 2 when the process's ports also
//    avoided, against expectation, the ports of other processes' connections elsewhere. Only
//    judged when the range is known (a capture judged by an assumed range may have the other
//    parity).

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "analyze/attribution.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// Expected coincidences below which "no shared port" proves nothing: plain connect() would
// show none with probability about e^-10.
inline constexpr double kPreboundMinExpectedShares = 10.0;
// Parity: the fewest odd-offset ports, and how many standard deviations the odd excess must
// reach (were the ports picked with no parity preference at all, as with IP_LOCAL_PORT_RANGE
// on 6.8+, odd minus even would be about 0 +- sqrt(n)).
inline constexpr std::uint32_t kPreboundMinOddPorts = 16;
inline constexpr double kPreboundMinParitySigmas = 4.0;
// ... when the process's ports also avoided other processes' connections to other destinations
// at least kPreboundMinExpectedShares times (so one side bound its ports; parity says which).
inline constexpr double kPreboundMinParitySigmasCorroborated = 2.0;

struct PreboundInputs {
    std::uint32_t range_size = 0;                    // auto-assignable TCP ports
    std::optional<std::uint16_t> parity_low;         // the range's low end, when the range is known
    const std::bitset<65536>* candidates = nullptr;  // auto-assignable TCP ports
    const std::bitset<65536>* bound = nullptr;       // listeners and explicitly bound ports
};

// For each socket of `snapshot`, whether it is an outgoing TCP connection of a process whose
// connections show one of the two shapes above. `passive[i]` marks the server side of
// connections (skipped).
std::vector<bool> detect_prebound(const core::Snapshot& snapshot, const EffectiveOwners& owners,
                                  const std::vector<bool>& passive, const PreboundInputs& in);

}  // namespace portwatch::analyze
