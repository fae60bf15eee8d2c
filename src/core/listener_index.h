#pragma once
// Which end opened a connection, told from one snapshot: an accepted connection keeps its
// listener's local port, a connection this host opened has a port chosen for it. Used by the
// poll source (each new socket's direction) and the monitor's tally (accepted connections take
// no port from the range, so they do not make a process a culprit).

#include <cstdint>
#include <vector>

#include "core/events.h"
#include "core/snapshot.h"

namespace portwatch::core {

class ListenerIndex {
  public:
    ListenerIndex() = default;
    // The snapshot's listeners: TCP LISTEN sockets and unconnected UDP ones with a port.
    explicit ListenerIndex(const Snapshot& snapshot);

    // Inbound when a listener of the same namespace and protocol holds the socket's local port
    // on its address or a wildcard one; Outbound otherwise; Unknown for a socket without a
    // peer (a listener, an unconnected or bound-only socket). O(log listeners).
    Direction direction(const Socket& socket) const;

  private:
    struct Listener {
        std::uint64_t netns = 0;
        std::uint16_t port = 0;
        Protocol protocol = Protocol::Tcp;
        IpAddress address;
    };
    std::vector<Listener> listeners_;  // by (netns, protocol, port)
};

}  // namespace portwatch::core
