#pragma once
// The kernel's real port pools, as plain data (see pool_model.h for how they are computed).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/severity.h"
#include "core/endpoint.h"
#include "core/socket.h"

namespace portwatch::analyze {

enum class PoolKind : std::uint8_t {
    TcpConnect,  // Linux connect() without a bound port: one pool per destination
    TcpLocal,    // Linux bind(0)/listen(); Windows: every TCP port, whatever the destination
    UdpLocal,    // UDP autobind (connect()/sendto() on an unbound socket) and bind(0)
};

std::string_view pool_kind_name(PoolKind kind);  // "tcp-connect", "tcp-local", "udp-local"

struct PoolKey {
    PoolKind kind = PoolKind::TcpConnect;
    std::uint64_t netns = 0;
    core::Family family = core::Family::Ipv4;  // TcpConnect: of the 4-tuple (v4-mapped = v4)
    // TcpConnect: the source address; *Local: the local address, unspecified = the wildcard
    // pool (bind(0) to any address, listen() on an unbound socket, UDP autobind).
    core::IpAddress local;
    core::Endpoint remote;  // TcpConnect only
};

// Sockets by state, indexed by core::TcpState's value.
struct StateCounts {
    std::array<std::uint32_t, 14> by_state{};
    void add(core::TcpState state) { ++by_state[static_cast<std::size_t>(state) % 14]; }
    std::uint32_t operator[](core::TcpState state) const {
        return by_state[static_cast<std::size_t>(state) % 14];
    }
    std::uint32_t total() const;
};

struct DestinationShare {
    core::Endpoint remote;
    std::uint32_t sockets = 0;
};

// A process's share of a pool. pid 0 = sockets nobody could be found for.
struct OwnerShare {
    std::int32_t pid = 0;
    std::string name;
    std::uint32_t sockets = 0;
    std::uint32_t inferred = 0;  // of `sockets`, TIME_WAITs attributed by remote endpoint
    StateCounts states;          // its sockets by state: its own mechanism
    // Local pools rated WARNING or worse: where its sockets go, most first (at most
    // Thresholds::top). Empty otherwise, and for connect() pools (one destination).
    std::vector<DestinationShare> destinations;
};

struct Pool {
    PoolKey key;
    double utilisation = 0;      // 1 - free / size
    std::uint32_t size = 0;      // auto-assignable ports: range minus reserved (and parity)
    std::uint32_t taxed = 0;     // TcpConnect: ports bind-owned anywhere in the netns
    std::uint32_t occupied = 0;  // ports held by this pool's own sockets (not taxed)
    std::uint32_t reusable = 0;  // of `occupied`, TIME_WAITs connect() may take over
    std::uint32_t free = 0;      // size - taxed - occupied + reusable
    std::uint32_t sockets = 0;   // sockets holding the pool's ports
    StateCounts states;          // ... by state
    std::uint32_t prebound = 0;  // TcpLocal: ports held in the bind-before-connect shape
    std::uint32_t bound = 0;     // TcpLocal (Linux): of `occupied`, bind-owned ports (listeners,
                                 // explicit binds, the bind-before-connect shape)
    std::vector<OwnerShare> owners;              // most sockets first, at most Thresholds::top
    std::vector<DestinationShare> destinations;  // most sockets first, at most Thresholds::top
    Severity severity = Severity::Ok;
    // Linux TcpLocal pools whose ports are mostly held by plain connect() sockets (not
    // bind-owned) are rated OK with this note: only bind(0) callers would fail, and connect()
    // pools are per destination.
    bool severity_capped = false;
    // False past the worst Thresholds::detailed_pools pools: `owners` and `destinations` were
    // not kept (a capture may have a pool per socket).
    bool detailed = true;
};

}  // namespace portwatch::analyze
