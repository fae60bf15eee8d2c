#pragma once
// Bind-before-connect, recognised by its shape. bind(ip, 0) does not set SOCK_BINDPORT_LOCK,
// so sock_diag reports such sockets as automatically bound; but a port bound that way is never
// shared (its bind bucket excludes every connect() autobind), whereas plain connect() to
// different destinations picks ports independently and, once a process holds enough of them,
// inevitably lands two destinations on one port.

#include <cstdint>
#include <vector>

#include "analyze/attribution.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// Expected coincidences below which "no shared port" proves nothing: plain connect() would
// show none with probability about e^-10.
inline constexpr double kPreboundMinExpectedShares = 10.0;

// For each socket of `snapshot`, whether it is an outgoing TCP connection of a process whose
// connections show the shape: at least two destinations, no local port shared with any other
// TCP socket of the namespace, although independent choices in a range of `range_size` ports
// would have been expected to share at least kPreboundMinExpectedShares times.
// `passive[i]` marks the server side of connections (skipped).
std::vector<bool> detect_prebound(const core::Snapshot& snapshot, const EffectiveOwners& owners,
                                  const std::vector<bool>& passive, std::uint32_t range_size);

}  // namespace portwatch::analyze
