#include "render/utf8.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>

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

// Characters a terminal acts on without showing them: reordering (bidi), line breaks,
// zero-width look-alikes. "evil<RLO>gnp.exe" must not display as "evilexe.png".
TEST(Utf8, TerminalSafeEscapesUnicodeFormatCharacters) {
    EXPECT_EQ(terminal_safe("evil\u202egnp.exe"), "evil\\u202egnp.exe");  // RLO
    for (char32_t c :
         {U'\u202a', U'\u202b', U'\u202c', U'\u202d', U'\u202e', U'\u2066',     U'\u2067',
          U'\u2068', U'\u2069', U'\u200e', U'\u200f', U'\u061c', U'\u2028',     U'\u2029',
          U'\u200b', U'\u200d', U'\u2060', U'\ufeff', U'\u00ad', U'\U000e0001', U'\U000e007f'}) {
        std::string utf8;
        if (c < 0x800) {
            utf8 = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
        } else if (c < 0x10000) {
            utf8 = {static_cast<char>(0xE0 | (c >> 12)),
                    static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                    static_cast<char>(0x80 | (c & 0x3F))};
        } else {
            utf8 = {
                static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
        }
        std::string safe = terminal_safe("a" + utf8 + "b");
        EXPECT_EQ(safe.find(utf8), std::string::npos) << static_cast<unsigned>(c);
        char expected[16];
        std::snprintf(expected, sizeof expected, c > 0xFFFF ? "\\U%08x" : "\\u%04x",
                      static_cast<unsigned>(c));
        EXPECT_EQ(safe, std::string("a").append(expected).append("b"));
    }
    // Printable letters and symbols of other scripts pass.
    EXPECT_EQ(terminal_safe("\u05e9\u05dc\u05d5\u05dd \u4e2d\u6587 \u00e9\u20ac\U0001f600"),
              "\u05e9\u05dc\u05d5\u05dd \u4e2d\u6587 \u00e9\u20ac\U0001f600");
}

TEST(Utf8, TerminalSafeEscapesTheBackslash) {
    EXPECT_EQ(terminal_safe("a\\b"), "a\\\\b");
    // A name that spells an escape is not the name that holds the character.
    EXPECT_NE(terminal_safe("\\x1b"), terminal_safe("\x1b"));
    EXPECT_NE(terminal_safe("\\u202e"), terminal_safe("\u202e"));
    EXPECT_EQ(terminal_safe("\\x1b"), "\\\\x1b");
}

TEST(Utf8, EscapeSeparator) {
    EXPECT_EQ(escape_separator("a,b", ','), "a\\x2cb");
    EXPECT_EQ(escape_separator("a;b", ';'), "a\\x3bb");
    EXPECT_EQ(escape_separator("a;b", ','), "a;b");
}

// Reverses terminal_safe; nullopt when `safe` is not something terminal_safe can produce.
std::optional<std::string> unescape(std::string_view safe) {
    std::string out;
    for (std::size_t i = 0; i < safe.size(); ++i) {
        auto c = static_cast<unsigned char>(safe[i]);
        if (c < 0x20 || c == 0x7F) {
            return std::nullopt;  // a raw control character got through
        }
        if (c != '\\') {
            out += safe[i];
            continue;
        }
        if (++i == safe.size()) {
            return std::nullopt;
        }
        char kind = safe[i];
        auto hex = [&](std::size_t digits) -> std::optional<std::uint32_t> {
            if (i + digits >= safe.size()) {
                return std::nullopt;
            }
            std::uint32_t v = 0;
            for (std::size_t k = 1; k <= digits; ++k) {
                char h = safe[i + k];
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
                if (d < 0) {
                    return std::nullopt;
                }
                v = v * 16 + static_cast<std::uint32_t>(d);
            }
            i += digits;
            return v;
        };
        if (kind == '\\') {
            out += '\\';
        } else if (kind == 'n') {
            out += '\n';
        } else if (kind == 't') {
            out += '\t';
        } else if (kind == 'r') {
            out += '\r';
        } else if (kind == 'x') {
            auto v = hex(2);
            if (!v)
                return std::nullopt;
            out += static_cast<char>(*v);
        } else if (kind == 'u' || kind == 'U') {
            auto v = hex(kind == 'u' ? 4 : 8);
            if (!v)
                return std::nullopt;
            char32_t cp = *v;
            if (cp < 0x800) {
                out += static_cast<char>(0xC0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out += static_cast<char>(0xE0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                out += static_cast<char>(0xF0 | (cp >> 18));
                out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            }
        } else {
            return std::nullopt;
        }
    }
    return out;
}

// Property: on any bytes, terminal_safe leaves no raw control or format character and can be
// read back exactly, so two different names never print the same.
TEST(Utf8, TerminalSafeIsReversibleOnRandomBytes) {
    std::mt19937 rng(20261202);
    const std::string pieces[] = {"\\",       "x",          "1b",     "\u202e", "\u2028",
                                  "\xc2\x9b", "\xff",       "\n",     "\x1b",   "u202e",
                                  "\xe2\x80", "\U000e0041", "\u00e9", ","};
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        int n = static_cast<int>(rng() % 12);
        for (int k = 0; k < n; ++k) {
            if (rng() % 3 == 0) {
                text += static_cast<char>(rng() % 256);
            } else {
                text += pieces[rng() % std::size(pieces)];
            }
        }
        std::string safe = terminal_safe(text);
        auto back = unescape(safe);
        ASSERT_TRUE(back) << testing::PrintToString(safe);
        ASSERT_EQ(*back, text) << testing::PrintToString(safe);
        EXPECT_EQ(safe.find("\u202e"), std::string::npos);
        EXPECT_EQ(safe.find("\u2028"), std::string::npos);
        EXPECT_EQ(safe.find("\xc2\x9b"), std::string::npos);
    }
}

TEST(Utf8, DisplayWidthCountsCodePoints) {
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);
}

}  // namespace
}  // namespace portwatch::render
