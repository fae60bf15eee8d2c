#pragma once
// What happens to ports over time, as an event source sees it (the monitor's eBPF tracepoints,
// or live snapshots diffed): sockets made, changing state and going away, the process that made
// each, and port allocations the kernel refused. The model the monitor, its history and the
// exporter share; no OS headers.

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/endpoint.h"
#include "core/socket.h"

namespace portwatch::core {

// The process that made a socket, recorded in its own context when it made it (eBPF: at
// CLOSE->SYN_SENT in the connecting task, or at accept), or the owner a snapshot saw.
struct Maker {
    std::int32_t pid = 0;  // thread-group id; 0 when unknown
    std::string comm;      // the task's name then (it may have exited since)
    std::uint64_t cgroup_id = 0;
    std::int64_t start_time = 0;  // process start, seconds since the epoch; 0 when unknown
};

enum class PortEventKind : std::uint8_t {
    Opened,        // a socket took a port (connect autobind, bind, accept)
    StateChanged,  // a TCP state change of a socket already seen
    Closed,        // the socket is gone and its port free (TIME_WAIT ended, CLOSE)
};

// Which end opened a connection: this host (connect(): the local port was chosen for it,
// automatically or by a bind() before) or a peer (accepted on a listening port). Unknown for
// sockets without a peer (listeners, unconnected UDP) and where the source cannot tell.
enum class Direction : std::uint8_t { Unknown = 0, Outbound = 1, Inbound = 2 };

struct PortEvent {
    TimePoint at;
    PortEventKind kind = PortEventKind::Opened;
    Protocol protocol = Protocol::Tcp;
    TcpState from = TcpState::Unknown;
    TcpState to = TcpState::Unknown;
    Endpoint local;
    Endpoint remote;
    std::uint64_t cookie = 0;  // the kernel's socket cookie (sock_diag's); 0 when unknown
    std::uint64_t netns = 0;   // inode of the network namespace; 0 when unknown
    Maker maker;
    // Sure to be the maker (recorded in the maker's own context, or an owning descriptor
    // seen); false when inferred (a poll source seeing a TIME_WAIT it never saw open).
    bool maker_exact = false;
    Direction direction = Direction::Unknown;
};

// A port allocation the kernel refused: connect() or bind() failing with EADDRNOTAVAIL,
// EADDRINUSE or EAGAIN (or a TCP autobind seen failing), counted once per call.
struct FailedAllocation {
    TimePoint at;
    Protocol protocol = Protocol::Tcp;
    std::string call;  // "connect", "bind"
    int error = 0;     // errno, positive
    Endpoint local;    // bind: the address and port asked for; connect: unspecified
    Endpoint remote;   // connect: the destination; bind: unspecified
    std::uint64_t netns = 0;
    Maker maker;
};

// A batch of what an event source delivered since its last poll.
struct EventBatch {
    std::vector<PortEvent> ports;
    std::vector<FailedAllocation> failures;
    std::uint64_t lost = 0;  // events the source dropped in this interval (ring buffer full)
    void clear() {
        ports.clear();
        failures.clear();
        lost = 0;
    }
};

}  // namespace portwatch::core
