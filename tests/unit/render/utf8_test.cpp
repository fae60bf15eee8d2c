#include "render/utf8.h"

#include <gtest/gtest.h>

namespace portwatch::render {
namespace {

TEST(Utf8, SequenceLengths) {
    EXPECT_EQ(utf8_sequence_length("a"), 1u);
    EXPECT_EQ(utf8_sequence_length("\xc3\xa9"), 2u);
    EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac"), 3u);
    EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80"), 4u);
    EXPECT_EQ(utf8_sequence_length("\x80"), 0u);              // stray continuation
    EXPECT_EQ(utf8_sequence_length("\xc0\xaf"), 0u);          // overlong
    EXPECT_EQ(utf8_sequence_length("\xe0\x80\xaf"), 0u);      // overlong
    EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80"), 0u);      // surrogate
    EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80"), 0u);  // > U+10FFFF
    EXPECT_EQ(utf8_sequence_length("\xe2\x82"), 0u);          // truncated
}

TEST(Utf8, TerminalSafeEscapesControlsAndBadBytes) {
    EXPECT_EQ(terminal_safe("nginx"), "nginx");
    EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(terminal_safe("a\nb\tc\rd"), "a\\nb\\tc\\rd");
    EXPECT_EQ(terminal_safe("\x1b[2J\x07"), "\\x1b[2J\\x07");
    EXPECT_EQ(terminal_safe("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(terminal_safe("\xc2\x9b"
                            "31m"),
              "\\xc2\\x9b31m");  // C1 CSI
    EXPECT_EQ(terminal_safe(std::string("a\0b", 3)), "a\\x00b");
}

TEST(Utf8, DisplayWidthCountsCodePoints) {
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);
}

}  // namespace
}  // namespace portwatch::render
