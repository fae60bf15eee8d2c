#include "core/pid_list.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

namespace portwatch::core {
namespace {

// Every operation the owner lists use, against std::vector as the model, across the switch
// from in-place storage (two pids) to the heap and back through copies, moves and clears.
TEST(PidList, BehavesAsAVectorThroughRandomOperations) {
    std::mt19937 rng(7);
    PidList list;
    std::vector<std::int32_t> model;
    for (int step = 0; step < 20000; ++step) {
        const int op = static_cast<int>(rng() % 10);
        const auto pid = static_cast<std::int32_t>(rng() % 1000);
        switch (op) {
            case 0:
            case 1:
            case 2:
                list.push_back(pid);
                model.push_back(pid);
                break;
            case 3: {
                const std::size_t at = model.empty() ? 0 : rng() % (model.size() + 1);
                list.insert(list.begin() + at, pid);
                model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), pid);
                break;
            }
            case 4:
                if (!model.empty()) {
                    const std::size_t at = rng() % model.size();
                    list.erase(list.begin() + at);
                    model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
                }
                break;
            case 5: {
                PidList copy(list);
                list = PidList();
                ASSERT_TRUE(list.empty());
                list = std::move(copy);
                ASSERT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
                break;
            }
            case 6: {
                PidList copy;
                copy = list;
                list = copy;
                break;
            }
            case 7:
                if (rng() % 8 == 0) {
                    list.clear();
                    model.clear();
                }
                break;
            case 8: {
                // assign from its own elements (a prefix), as attribution's assign() may
                const std::size_t keep = model.empty() ? 0 : rng() % model.size();
                list.assign(list.begin(), list.begin() + keep);
                model.resize(keep);
                break;
            }
            default:
                std::sort(list.begin(), list.end());
                std::sort(model.begin(), model.end());
                break;
        }
        ASSERT_EQ(list.size(), model.size()) << "step " << step;
        ASSERT_EQ(list, model) << "step " << step;
        ASSERT_GE(list.capacity(), list.size());
    }
}

TEST(PidList, KeepsTwoPidsInPlaceAndMovesHeapStorageWithoutCopying) {
    PidList two{4, 5};
    EXPECT_EQ(two.capacity(), 2u);
    const auto* in_place = two.data();
    EXPECT_GE(reinterpret_cast<const char*>(in_place), reinterpret_cast<const char*>(&two));
    EXPECT_LT(reinterpret_cast<const char*>(in_place),
              reinterpret_cast<const char*>(&two) + sizeof two);

    PidList many{1, 2, 3, 4, 5};
    const auto* heap = many.data();
    PidList moved(std::move(many));
    EXPECT_EQ(moved.data(), heap);
    EXPECT_EQ(moved, (std::vector<std::int32_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(moved.to_vector(), (std::vector<std::int32_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(moved.front(), 1);
    EXPECT_EQ(moved.back(), 5);
    EXPECT_NE(moved, PidList({1, 2, 3, 4}));

    PidList grown{9};
    grown = moved;  // copy into a smaller list: grows
    EXPECT_EQ(grown, moved);
    grown = {7};  // and back to one pid, in the storage it has
    EXPECT_EQ(grown, PidList{7});
    static_assert(sizeof(PidList) == 16);
}

}  // namespace
}  // namespace portwatch::core
