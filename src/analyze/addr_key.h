#pragma once
// A compact, integer-compared form of an address for sorting and grouping 100k sockets:
// comparing core::IpAddress goes through memcmp, this through three integers. IPv4 is
// encoded as its v4-mapped IPv6 form, so a v4-mapped address and its IPv4 form get the same
// key: the kernel's folding of v4-mapped IPv6 into IPv4 comes for free.

#include <compare>
#include <cstdint>

#include "core/ip_address.h"

namespace portwatch::analyze::detail {

struct AddrKey {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    std::uint32_t scope = 0;
    friend auto operator<=>(const AddrKey&, const AddrKey&) = default;
};

inline AddrKey addr_key(const core::IpAddress& a) {
    const auto& b = a.bytes();
    AddrKey k;
    if (a.is_v4()) {
        k.lo = 0x0000'ffff'0000'0000ull | std::uint64_t{b[0]} << 24 | std::uint64_t{b[1]} << 16 |
               std::uint64_t{b[2]} << 8 | std::uint64_t{b[3]};
        return k;
    }
    for (int i = 0; i < 8; ++i) {
        k.hi = k.hi << 8 | b[i];
        k.lo = k.lo << 8 | b[8 + i];
    }
    k.scope = a.scope_id();
    return k;
}

// An address and port, e.g. a remote endpoint.
struct EndpointKey {
    AddrKey address;
    std::uint16_t port = 0;
    friend auto operator<=>(const EndpointKey&, const EndpointKey&) = default;
};

}  // namespace portwatch::analyze::detail
