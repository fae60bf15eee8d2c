#include <gtest/gtest.h>

#include "tui/view.h"

namespace {

using namespace portwatch::tui;

int key(Key k) {
    return static_cast<int>(k);
}

Frame frame_of(std::size_t processes, std::size_t page, std::size_t scroll = 0) {
    Frame f;
    f.processes = processes;
    f.page = page;
    f.scroll = scroll;
    return f;
}

TEST(Keys, QuitPauseSortHelp) {
    ViewSettings v;
    Frame f = frame_of(10, 5);
    EXPECT_EQ(apply_key(v, 'q', f), KeyResult::Quit);
    EXPECT_EQ(apply_key(v, 'Q', f), KeyResult::Quit);
    EXPECT_EQ(apply_key(v, 'p', f), KeyResult::Changed);
    EXPECT_TRUE(v.paused);
    EXPECT_EQ(apply_key(v, ' ', f), KeyResult::Changed);
    EXPECT_FALSE(v.paused);
    std::vector<std::string_view> seen;
    for (int i = 0; i < 5; ++i) {
        apply_key(v, i % 2 == 0 ? 's' : key(Key::F6), f);
        seen.push_back(sort_key_name(v.sort));
    }
    EXPECT_EQ(seen,
              (std::vector<std::string_view>{"time-wait", "failures", "name", "pid", "ports"}));
    EXPECT_EQ(apply_key(v, 'h', f), KeyResult::Changed);
    EXPECT_TRUE(v.help);
    EXPECT_EQ(apply_key(v, 'x', f), KeyResult::Changed);  // any key closes the help
    EXPECT_FALSE(v.help);
    apply_key(v, '?', f);
    EXPECT_TRUE(v.help);
    EXPECT_EQ(apply_key(v, 'q', f), KeyResult::Quit);
    EXPECT_EQ(apply_key(v, 'x', f), KeyResult::Changed);
    EXPECT_EQ(apply_key(v, 'x', f), KeyResult::Ignored);
    apply_key(v, key(Key::F1), f);
    EXPECT_TRUE(v.help);
}

TEST(Keys, FilterLineTakesEveryCharacterUntilEnterOrEscape) {
    ViewSettings v;
    Frame f = frame_of(10, 5);
    apply_key(v, '/', f);
    EXPECT_TRUE(v.editing_filter);
    for (int c : {'n', 'q', 'x', 's'}) {
        EXPECT_EQ(apply_key(v, c, f), KeyResult::Changed);  // q and s are text here
    }
    EXPECT_EQ(v.filter, "nqxs");
    apply_key(v, key(Key::Backspace), f);
    apply_key(v, 0xE9, f);  // é
    EXPECT_EQ(v.filter, "nqxé");
    apply_key(v, key(Key::Backspace), f);
    EXPECT_EQ(v.filter, "nqx");
    EXPECT_EQ(apply_key(v, 0x1b, f), KeyResult::Ignored);  // a raw control character
    EXPECT_EQ(apply_key(v, 0x9b, f), KeyResult::Ignored);  // C1 CSI
    EXPECT_EQ(v.filter, "nqx");
    apply_key(v, key(Key::Enter), f);
    EXPECT_FALSE(v.editing_filter);
    EXPECT_EQ(v.filter, "nqx");
    EXPECT_EQ(apply_key(v, key(Key::Escape), f), KeyResult::Changed);  // clears it
    EXPECT_EQ(v.filter, "");
    apply_key(v, '/', f);
    apply_key(v, 'a', f);
    apply_key(v, key(Key::Escape), f);
    EXPECT_FALSE(v.editing_filter);
    EXPECT_EQ(v.filter, "");
}

TEST(Keys, ScrollStaysInRange) {
    ViewSettings v;
    Frame f = frame_of(30, 10);
    apply_key(v, key(Key::Down), f);
    EXPECT_EQ(v.scroll, 1u);
    apply_key(v, key(Key::PageDown), frame_of(30, 10, 1));
    EXPECT_EQ(v.scroll, 11u);
    apply_key(v, key(Key::PageDown), frame_of(30, 10, 11));
    EXPECT_EQ(v.scroll, 20u);  // 30 rows, 10 shown: 20 is the last page
    apply_key(v, key(Key::Down), frame_of(30, 10, 20));
    EXPECT_EQ(v.scroll, 20u);
    apply_key(v, key(Key::Up), frame_of(30, 10, 20));
    EXPECT_EQ(v.scroll, 19u);
    apply_key(v, key(Key::Home), frame_of(30, 10, 19));
    EXPECT_EQ(v.scroll, 0u);
    apply_key(v, key(Key::Up), frame_of(30, 10, 0));
    EXPECT_EQ(v.scroll, 0u);
    apply_key(v, key(Key::End), frame_of(30, 10, 0));
    EXPECT_EQ(v.scroll, 20u);
    apply_key(v, key(Key::PageUp), frame_of(30, 10, 20));
    EXPECT_EQ(v.scroll, 10u);
    apply_key(v, key(Key::End), frame_of(5, 10, 0));
    EXPECT_EQ(v.scroll, 0u);  // everything fits
}

TEST(Keys, SortNamesRoundTrip) {
    for (SortKey k : kSortKeys) {
        EXPECT_EQ(parse_sort_key(sort_key_name(k)), k);
    }
    EXPECT_FALSE(parse_sort_key("size"));
}

}  // namespace
