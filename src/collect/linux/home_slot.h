#pragma once
// Where a key's probe starts in an open-addressing table of `slots` (a power of two) slots:
// Fibonacci hashing, whose top bits spread keys that come in runs (socket inodes, cookies).

#include <bit>
#include <cstddef>
#include <cstdint>

namespace portwatch::collect {

inline std::size_t home_slot(std::uint64_t key, std::size_t slots) {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >>
                                    (64 - std::countr_zero(slots)));
}

}  // namespace portwatch::collect
