#pragma once
// A stable LSD radix sort by an unsigned integer key, for the sorts of 100k records that every
// monitor sample and every diagnosis makes (sockets by cookie, by local address, by remote
// endpoint, by connect pool): std::sort spends ~17 compare-and-swap rounds on each record, this
// one read pass for the byte histograms and one scatter pass per byte in which keys differ. The
// keys these sorts see share most of their bytes (cookies count up from one counter, loopback
// and subnet addresses share their first bytes), and a byte that every key has alike costs no
// pass at all.

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace portwatch::core {

// Sorts `v` by `key(element)` (an unsigned integer of at most 64 bits), keeping the order of
// equal keys. `scratch` is the second buffer (callers that sort every sample keep it, so its
// pages are not faulted in again); on return it holds nothing of use. T must be default
// constructible and cheap to move: records of a few integers.
template <typename T, typename Key>
void radix_sort(std::vector<T>& v, Key&& key, std::vector<T>& scratch) {
    using K = std::decay_t<decltype(key(v.front()))>;
    static_assert(std::unsigned_integral<K> && sizeof(K) <= 8, "the key is an unsigned integer");
    constexpr std::size_t kBytes = sizeof(K);
    const std::size_t n = v.size();
    if (n < 64 || n > UINT32_MAX) {
        // Below a few cache lines the histograms cost more than comparing (and the counts
        // are 32-bit).
        std::stable_sort(v.begin(), v.end(),
                         [&](const T& a, const T& b) { return key(a) < key(b); });
        return;
    }
    std::array<std::array<std::uint32_t, 256>, kBytes> counts{};
    for (const T& x : v) {
        const K k = key(x);
        for (std::size_t b = 0; b < kBytes; ++b) {
            ++counts[b][static_cast<std::uint8_t>(k >> (8 * b))];
        }
    }
    const K first = key(v.front());
    scratch.resize(n);
    T* from = v.data();
    T* to = scratch.data();
    for (std::size_t b = 0; b < kBytes; ++b) {
        auto& c = counts[b];
        if (c[static_cast<std::uint8_t>(first >> (8 * b))] == n) {
            continue;  // every key has this byte: the order stays as it is
        }
        std::uint32_t sum = 0;
        for (auto& slot : c) {
            const std::uint32_t here = slot;
            slot = sum;
            sum += here;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const auto digit = static_cast<std::uint8_t>(key(from[i]) >> (8 * b));
            to[c[digit]++] = std::move(from[i]);
        }
        std::swap(from, to);
    }
    if (from != v.data()) {
        v.swap(scratch);
    }
}

// A signed 32-bit value as an unsigned key that orders as the values do (the sign bit
// flipped): pids, for radix_sort.
constexpr std::uint32_t ordered_key(std::int32_t value) {
    return static_cast<std::uint32_t>(value) ^ 0x8000'0000u;
}

template <typename T, typename Key>
void radix_sort(std::vector<T>& v, Key&& key) {
    std::vector<T> scratch;
    radix_sort(v, std::forward<Key>(key), scratch);
}

}  // namespace portwatch::core
