#pragma once
// The pool model: which ports each kind of allocation could still get, per network namespace.
// Pure code over a Snapshot; see the numbered comment in pool_model.cpp for the kernel rules.

#include <cstdint>
#include <string>
#include <vector>

#include "analyze/attribution.h"
#include "analyze/pool.h"
#include "analyze/severity.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// A process holding bind-owned ports inside the range (Linux): the ports every connect() pool
// loses to it, and how it bound them.
struct BindOwner {
    std::int32_t pid = 0;  // 0: no owner found
    std::string name;
    std::uint32_t ports = 0;             // bind-owned candidate ports it holds
    std::uint32_t listening = 0;         // ... of them LISTEN or bound-only
    std::uint32_t listening_chosen = 0;  // ... of those, on a port the application chose
    std::uint32_t listening_picked = 0;  // ... on a port the kernel picked (bind(ip, 0))
    std::uint32_t explicit_port = 0;     // ... bound to a port chosen by the application
    std::uint32_t prebound = 0;          // ... in the bind-before-connect shape (bind(ip, 0))
    std::uint32_t prebound_odd = 0;      // ... of those, at an odd offset from the range's low end
    std::vector<DestinationShare> destinations;  // prebound: where those connections go (top)
    std::uint32_t destination_count = 0;         // ... how many distinct ones
};

struct PoolModel {
    core::PortRange range;
    std::string range_origin;
    std::uint32_t tcp_size = 0;            // auto-assignable TCP ports
    std::uint32_t udp_size = 0;            // auto-assignable UDP ports (no parity rounding)
    std::uint32_t reserved = 0;            // reserved ports inside the range
    std::uint32_t bind_owned = 0;          // Linux: ports no connect() may autobind
    std::uint32_t listeners_in_range = 0;  // LISTEN/BOUND/explicit ports inside the range
    std::uint32_t prebound_sockets = 0;    // sockets in the bind-before-connect shape
    std::uint32_t prebound_ports = 0;      // bind-owned ports held in that shape
    std::vector<BindOwner> bind_owners;    // Linux: who holds the bind-owned ports, most first
    std::uint8_t tcp_tw_reuse = 2;
    bool tw_reuse_assumed = true;
    std::vector<Pool> pools;  // worst first
};

// Linux 32768-60999 (since 4.5), Windows 49152-65535 (Vista and later): used when the
// snapshot does not say.
core::PortRange default_range(core::Platform platform);

PoolModel build_pools(const core::Snapshot& snapshot, const EffectiveOwners& owners,
                      const Thresholds& thresholds);

}  // namespace portwatch::analyze
