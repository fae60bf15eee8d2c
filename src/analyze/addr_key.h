#pragma once
// A compact, integer-compared form of an address for sorting and grouping 100k sockets:
// comparing core::IpAddress goes through memcmp, this through three integers. IPv4 is
// encoded as its v4-mapped IPv6 form, so a v4-mapped address and its IPv4 form get the same
// key: the kernel's folding of v4-mapped IPv6 into IPv4 comes for free.

#include <algorithm>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/ip_address.h"
#include "core/radix_sort.h"

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

// An IPv4 address as one integer (network order), or nothing for any other address.
inline std::optional<std::uint32_t> v4_bits(const core::IpAddress& a) {
    if (!a.is_v4()) {
        return std::nullopt;
    }
    const auto& b = a.bytes();
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

// addr_key() of the IPv4 address with these bits.
inline AddrKey v4_addr_key(std::uint32_t bits) {
    AddrKey k;
    k.lo = 0x0000'ffff'0000'0000ull | bits;
    return k;
}

// An address and port, e.g. a remote endpoint.
struct EndpointKey {
    AddrKey address;
    std::uint16_t port = 0;
    friend auto operator<=>(const EndpointKey&, const EndpointKey&) = default;
};

// Sorts socket indices by (full(i), i). Most sockets are IPv4, and `compact(i)` gives those an
// integer that orders exactly as their full keys do (nullopt for the rest): they sort as
// (integer, index) records without touching the sockets again, where a comparison that made
// two full keys from two sockets missed the cache for each (a fifth of a diagnosis at 100k
// sockets). The rest sort by full keys; the two runs merge by full key, `expand` making a
// compact key's full one, so the order is the same as one sort by full key. The records sort
// by radix (core/radix_sort.h) when the indices come in ascending order, as every caller's do;
// `Int` is an unsigned integer or a (64-bit, 32-bit) pair compared first by first.
template <typename Int, typename Full, typename Compact, typename Expand>
void sort_by_key(std::vector<std::uint32_t>& indices, Full&& full, Compact&& compact,
                 Expand&& expand) {
    struct Record {
        Int key;
        std::uint32_t index;
    };
    std::vector<Record> fast;
    std::vector<std::uint32_t> slow;
    fast.reserve(indices.size());
    for (auto i : indices) {
        if (std::optional<Int> k = compact(i)) {
            fast.push_back({*k, i});
        } else {
            slow.push_back(i);
        }
    }
    if (std::is_sorted(indices.begin(), indices.end())) {
        // Records made in index order: a stable sort by key is the (key, index) order.
        std::vector<Record> scratch;
        if constexpr (std::is_same_v<Int, std::pair<std::uint64_t, std::uint32_t>>) {
            core::radix_sort(
                fast, [](const Record& r) { return r.key.second; }, scratch);
            core::radix_sort(
                fast, [](const Record& r) { return r.key.first; }, scratch);
        } else {
            core::radix_sort(
                fast, [](const Record& r) { return r.key; }, scratch);
        }
    } else {
        std::sort(fast.begin(), fast.end(), [](const Record& a, const Record& b) {
            return a.key < b.key || (a.key == b.key && a.index < b.index);
        });
    }
    std::sort(slow.begin(), slow.end(), [&](std::uint32_t a, std::uint32_t b) {
        return std::make_pair(full(a), a) < std::make_pair(full(b), b);
    });
    std::size_t a = 0, b = 0, out = 0;
    while (a < fast.size() || b < slow.size()) {
        const bool take_fast =
            b == slow.size() ||
            (a < fast.size() && std::make_pair(expand(fast[a].key), fast[a].index) <
                                    std::make_pair(full(slow[b]), slow[b]));
        indices[out++] = take_fast ? fast[a++].index : slow[b++];
    }
}

// Where each group of equal keys starts in `sorted` (indices sorted by key), then its size:
// groups [starts[g], starts[g + 1]). Each index's key is made once: sorted indices visit the
// sockets far apart in memory, a cache miss each, so loops that made a key twice per socket
// (to count the groups, then to find their ends) read each socket three times.
template <typename Key, typename Same>
std::vector<std::uint32_t> group_starts(const std::vector<std::uint32_t>& sorted, Key&& key,
                                        Same&& same) {
    std::vector<std::uint32_t> starts;
    std::optional<std::decay_t<decltype(key(sorted.front()))>> last;
    for (std::size_t a = 0; a < sorted.size(); ++a) {
        auto k = key(sorted[a]);
        if (!last || !same(k, *last)) {
            starts.push_back(static_cast<std::uint32_t>(a));
            last = std::move(k);
        }
    }
    starts.push_back(static_cast<std::uint32_t>(sorted.size()));
    return starts;
}

}  // namespace portwatch::analyze::detail
