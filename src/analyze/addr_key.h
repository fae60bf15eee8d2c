#pragma once
// A compact, integer-compared form of an address for sorting and grouping 100k sockets:
// comparing core::IpAddress goes through memcmp, this through three integers. IPv4 is
// encoded as its v4-mapped IPv6 form, so a v4-mapped address and its IPv4 form get the same
// key: the kernel's folding of v4-mapped IPv6 into IPv4 comes for free.

#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>

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
    // Two big-endian loads, not a loop over 16 bytes: sorting 100k sockets calls this some
    // ten million times (the exporter's scrape profile: an eighth of its CPU).
    std::memcpy(&k.hi, b.data(), 8);
    std::memcpy(&k.lo, b.data() + 8, 8);
    if constexpr (std::endian::native == std::endian::little) {
        k.hi = std::byteswap(k.hi);
        k.lo = std::byteswap(k.lo);
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
