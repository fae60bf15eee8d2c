// ChunkedVector: order and indexing across chunks (the first one grown by doubling, the rest
// mapped whole), a take() that leaves it empty and reusable, and elements that own memory
// moved, not copied.

#include "capture/chunked_vector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace portwatch::capture {
namespace {

TEST(ChunkedVector, KeepsOrderAcrossChunksAndHandsOverOneVector) {
    ChunkedVector<std::string, 64> v;
    EXPECT_TRUE(v.empty());
    constexpr std::size_t kCount = 64 * 5 + 7;  // five full chunks and a partial one
    for (std::size_t i = 0; i < kCount; ++i) {
        v.push_back("row " + std::to_string(i) + std::string(40, 'x'));  // past the SSO
    }
    ASSERT_EQ(v.size(), kCount);
    EXPECT_EQ(v[0].substr(0, 5), "row 0");
    EXPECT_EQ(v[64].substr(0, 6), "row 64");
    EXPECT_EQ(v.back().substr(0, 7), "row 326");
    v[100] = "changed";
    auto all = v.take();
    ASSERT_EQ(all.size(), kCount);
    for (std::size_t i = 0; i < kCount; ++i) {
        if (i == 100) {
            EXPECT_EQ(all[i], "changed");
        } else {
            ASSERT_EQ(all[i].substr(0, 4 + std::to_string(i).size()), "row " + std::to_string(i));
        }
    }
    EXPECT_TRUE(v.empty());
    v.emplace_back("again");
    EXPECT_EQ(v.take(), std::vector<std::string>{"again"});
}

// Chunks big enough to be mapped (>= kMapAtLeast) and move-only elements.
TEST(ChunkedVector, MappedChunksHoldMoveOnlyElements) {
    ChunkedVector<std::unique_ptr<int>, 65536> v;
    static_assert(65536 * sizeof(std::unique_ptr<int>) >= detail::kMapAtLeast);
    constexpr int kCount = 65536 * 2 + 3;
    for (int i = 0; i < kCount; ++i) {
        v.emplace_back(std::make_unique<int>(i));
    }
    EXPECT_EQ(*v[65536 + 1], 65537);
    auto all = v.take();
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        ASSERT_EQ(*all[static_cast<std::size_t>(i)], i);
    }
}

}  // namespace
}  // namespace portwatch::capture
