#include "core/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace portwatch::core {
namespace {

struct Record {
    std::uint64_t key = 0;
    std::uint32_t index = 0;  // its place before the sort: equal keys must keep this order
    bool operator==(const Record&) const = default;
};

// Keys drawn as the sorts see them: `varying` low bits random (few distinct values when
// `distinct` is small, so equal keys abound) above a fixed high part, so whole bytes are alike
// and their passes are skipped.
std::vector<Record> records(std::size_t n, int varying, std::uint64_t distinct,
                            std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    const std::uint64_t high =
        0x1234'5678'9abc'def0ull & ~((varying >= 64 ? 0 : 1ull << varying) - 1);
    std::vector<Record> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t low = rng() % distinct;
        if (varying < 64) {
            low &= (1ull << varying) - 1;
        }
        out[i] = {high | low, static_cast<std::uint32_t>(i)};
    }
    return out;
}

void expect_as_stable_sort(std::vector<Record> v) {
    auto want = v;
    std::stable_sort(want.begin(), want.end(),
                     [](const Record& a, const Record& b) { return a.key < b.key; });
    std::vector<Record> scratch;
    radix_sort(
        v, [](const Record& r) { return r.key; }, scratch);
    ASSERT_EQ(v, want);
}

TEST(RadixSort, OrdersAsAStableSortDoes) {
    for (std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 1000u, 100000u}) {
        for (int varying : {0, 4, 8, 13, 16, 31, 40, 64}) {
            for (std::uint64_t distinct : {1ull, 7ull, 1000ull, ~0ull}) {
                SCOPED_TRACE(testing::Message()
                             << "n=" << n << " varying=" << varying << " distinct=" << distinct);
                expect_as_stable_sort(records(n, varying, distinct, static_cast<std::uint32_t>(n)));
            }
        }
    }
}

TEST(RadixSort, NarrowKeysAndAKeptScratch) {
    // A 16-bit key (one pass per byte at most), the scratch reused across sorts of
    // different sizes as the monitor reuses it every sample.
    std::vector<std::pair<std::uint16_t, std::uint32_t>> v;
    std::vector<std::pair<std::uint16_t, std::uint32_t>> scratch;
    std::mt19937 rng(7);
    for (std::size_t n : {5000u, 300u, 20000u}) {
        v.clear();
        for (std::uint32_t i = 0; i < n; ++i) {
            v.emplace_back(static_cast<std::uint16_t>(rng() % 700), i);
        }
        auto want = v;
        std::sort(want.begin(),
                  want.end());  // (key, index): the index breaks ties as stability does
        radix_sort(
            v, [](const auto& p) { return p.first; }, scratch);
        ASSERT_EQ(v, want);
    }
}

TEST(RadixSort, AlreadySortedAndReversedInput) {
    std::vector<Record> up(5000);
    for (std::uint32_t i = 0; i < up.size(); ++i) {
        up[i] = {std::uint64_t{i} * 0x10001, i};
    }
    expect_as_stable_sort(up);
    std::reverse(up.begin(), up.end());
    expect_as_stable_sort(up);
}

}  // namespace
}  // namespace portwatch::core
