// Bad input: truncated files, binary garbage, unrecognised lines, the socket limit. Each must
// give a clear error or a counted warning, never a crash or silent loss.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

TEST(Robustness, UnrecognisedLinesAreCountedWithTheFirstOne) {
    auto c = parse_capture_text(
        "  TCP    10.0.0.1:50000   10.0.0.2:443   ESTABLISHED   42\r\n"
        "hello world\r\n"
        "  TCP    10.0.0.1:bogus-port!   10.0.0.2:443   ESTABLISHED   42\r\n"
        "  TCP    10.0.0.1:50001   10.0.0.2:443   ESTABLISHED   42\r\n",
        "mixed.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 2u);
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 2u);
    EXPECT_TRUE(has_warning(s, "2 lines were not recognised"));
    EXPECT_TRUE(has_warning(s, "line 2: 'hello world'"));
}

TEST(Robustness, NothingRecognisableIsAnErrorNamingTheFile) {
    auto c = parse_capture_text("just some text\nand more\n", "notes.txt");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("notes.txt: no capture recognised (line 1: 'just some text')"),
              std::string::npos)
        << c.error().message;
    auto empty = parse_capture_text("", "empty.txt");
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
}

TEST(Robustness, TruncatedCaptureKeepsWhatItHas) {
    std::ifstream in(fixture("capture/windows-en-anobq.txt"), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(text.size(), 700u);
    for (std::size_t cut :
         {std::size_t{1}, std::size_t{95}, std::size_t{300}, std::size_t{701}, text.size() - 3}) {
        auto c = parse_capture_text(std::string_view(text).substr(0, cut), "cut.txt");
        if (c) {
            for (const auto& cs : c->snapshots) {
                EXPECT_LE(cs.snapshot.sockets.size(), 16u);
            }
        } else {
            EXPECT_NE(c.error().message.find("cut.txt"), std::string::npos);
        }
    }
}

TEST(Robustness, BinaryGarbage) {
    std::mt19937 rng(7);
    std::string junk(3 << 20, '\0');
    for (auto& ch : junk) {
        ch = static_cast<char>(rng());
    }
    auto c = parse_capture_text(junk, "junk.bin");
    // Random bytes hold random newlines; none of the pieces is a socket row.
    if (c) {
        for (const auto& cs : c->snapshots) {
            EXPECT_TRUE(cs.snapshot.sockets.empty());
        }
    } else {
        EXPECT_NE(c.error().message.find("junk.bin"), std::string::npos);
    }
}

TEST(Robustness, SocketLimitIsAClearError) {
    std::string text;
    for (int i = 0; i < 50; ++i) {
        text += "  TCP    10.0.0.1:" + std::to_string(50000 + i) +
                "   10.0.0.2:443   TIME_WAIT   0\r\n";
    }
    CaptureOptions options;
    options.max_sockets = 40;
    auto c = parse_capture_text(text, "big.txt", options);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("big.txt:41: more than 40 sockets"), std::string::npos)
        << c.error().message;
    options.max_sockets = 50;
    EXPECT_TRUE(parse_capture_text(text, "big.txt", options));
}

TEST(Robustness, BadTimestampLineIsReported) {
    auto c =
        parse_capture_text("# taken at noon\nTCP 1.2.3.4:5 6.7.8.9:10 ESTABLISHED 3\n", "t.txt");
    ASSERT_TRUE(c);
    EXPECT_TRUE(has_warning(c->snapshots.at(0).snapshot, "# taken at YYYY-MM-DD"));
}

}  // namespace
}  // namespace portwatch::capture::test
