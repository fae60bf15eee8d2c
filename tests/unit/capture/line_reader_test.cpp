#include "capture/line_reader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace portwatch::capture {
namespace {

struct ReadResult {
    std::vector<std::string> lines;
    Encoding encoding;
    std::size_t truncated = 0;
};

ReadResult read_all(const std::string& bytes, LegacyCodePage page = LegacyCodePage::Cp850) {
    std::istringstream in(bytes);
    LineReader reader(in, page);
    ReadResult r;
    while (auto line = reader.next()) {
        r.lines.emplace_back(line->text);
        r.truncated += line->truncated;
    }
    r.encoding = reader.encoding();
    return r;
}

std::string utf16le(const std::u16string& text, bool bom) {
    std::string out = bom ? std::string("\xff\xfe", 2) : std::string();
    for (char16_t c : text) {
        out += static_cast<char>(c & 0xFF);
        out += static_cast<char>(c >> 8);
    }
    return out;
}

TEST(LineReader, CrlfAndMissingFinalNewline) {
    auto r = read_all("a\r\nb\r\r\nc");
    EXPECT_EQ(r.lines, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(r.encoding, Encoding::Utf8);
}

TEST(LineReader, Utf8Bom) {
    auto r = read_all(
        "\xef\xbb\xbf"
        "ABHÖREN\n");
    EXPECT_EQ(r.encoding, Encoding::Utf8Bom);
    EXPECT_EQ(r.lines, std::vector<std::string>{"ABHÖREN"});
}

TEST(LineReader, Utf16LeWithAndWithoutBom) {
    auto with = read_all(utf16le(u"\r\nABHÖREN\r\n", true));
    EXPECT_EQ(with.encoding, Encoding::Utf16Le);
    EXPECT_EQ(with.lines, (std::vector<std::string>{"", "ABHÖREN"}));
    auto without = read_all(utf16le(u"\r\nTCP x\r\n", false));
    EXPECT_EQ(without.encoding, Encoding::Utf16Le);
    EXPECT_EQ(without.lines, (std::vector<std::string>{"", "TCP x"}));
}

TEST(LineReader, Utf16BeSurrogatesAndOddTail) {
    std::string be("\xfe\xff", 2);
    for (char16_t c : std::u16string(u"x\U0001F600\n")) {
        be += static_cast<char>(c >> 8);
        be += static_cast<char>(c & 0xFF);
    }
    be += '\x41';  // half a code unit: a truncated file
    auto r = read_all(be);
    EXPECT_EQ(r.encoding, Encoding::Utf16Be);
    ASSERT_EQ(r.lines.size(), 2u);
    EXPECT_EQ(r.lines[0], "x\xF0\x9F\x98\x80");
    EXPECT_EQ(r.lines[1], "\xEF\xBF\xBD");
}

TEST(LineReader, LegacyCodePagesPerLine) {
    auto r = read_all("ABH\x99REN\r\nABHÖREN\r\n");
    EXPECT_EQ(r.lines, (std::vector<std::string>{"ABHÖREN", "ABHÖREN"}));
    auto cp1252 = read_all("ABH\xd6REN\n", LegacyCodePage::Cp1252);
    EXPECT_EQ(cp1252.lines, std::vector<std::string>{"ABHÖREN"});
    auto cp437 = read_all("\x84\n", LegacyCodePage::Cp437);
    EXPECT_EQ(cp437.lines, std::vector<std::string>{"ä"});
}

TEST(LineReader, OverlongLinesAreTruncatedInBoundedMemory) {
    std::string big(3 * LineReader::kChunkBytes, 'x');
    auto r = read_all("a\n" + big + "\nb\n");
    ASSERT_EQ(r.lines.size(), 3u);
    EXPECT_EQ(r.lines[1].size(), LineReader::kMaxLineBytes);
    EXPECT_EQ(r.truncated, 1u);
    EXPECT_EQ(r.lines[2], "b");
    auto no_newline = read_all(big);
    ASSERT_EQ(no_newline.lines.size(), 1u);
    EXPECT_EQ(no_newline.truncated, 1u);
}

TEST(LineReader, LinesAcrossChunkBoundaries) {
    std::string text;
    std::vector<std::string> expected;
    for (int i = 0; text.size() < 2 * LineReader::kChunkBytes + 100; ++i) {
        expected.push_back("line " + std::to_string(i));
        text += expected.back() + "\r\n";
    }
    EXPECT_EQ(read_all(text).lines, expected);
    std::u16string wide;
    for (const auto& line : expected) {
        wide += std::u16string(line.begin(), line.end()) + u"\r\n";
    }
    EXPECT_EQ(read_all(utf16le(wide, true)).lines, expected);
}

}  // namespace
}  // namespace portwatch::capture
