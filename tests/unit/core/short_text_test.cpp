// ShortText: empty costs no allocation and compares like "", copies are deep, moves leave
// the source empty, and an endpoint or process that uses it compares and prints as before.

#include "core/short_text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <utility>

#include "core/endpoint.h"

namespace portwatch::core {
namespace {

static_assert(sizeof(ShortText) == sizeof(void*));

TEST(ShortText, EmptyUntilGivenTextAndEmptyTextIsNone) {
    ShortText t;
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.view(), "");
    EXPECT_TRUE(t == "");
    t = std::string("eth0");
    EXPECT_FALSE(t.empty());
    EXPECT_EQ(t, "eth0");
    EXPECT_EQ(t.str(), std::string("eth0"));
    t = "";
    EXPECT_TRUE(t.empty());
    t = std::string_view("lo");
    t.clear();
    EXPECT_TRUE(t.empty());
}

TEST(ShortText, CopiesAreDeepAndMovesEmptyTheSource) {
    ShortText a("host.example:https");
    ShortText b = a;
    b = "other";
    EXPECT_EQ(a, "host.example:https");
    ShortText c = std::move(a);
    EXPECT_EQ(c, "host.example:https");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    c = c;                   // self-assignment keeps the text
    EXPECT_EQ(c, "host.example:https");
    std::ostringstream out;
    out << c << '|' << ShortText();
    EXPECT_EQ(out.str(), "host.example:https|");
}

TEST(ShortText, EndpointsWithNamesAndZonesCompareAndPrintByTheirText) {
    Endpoint a;
    a.name = "server01:https";
    Endpoint b = a;
    EXPECT_EQ(a, b);
    b.name = "server02:https";
    EXPECT_NE(a, b);
    EXPECT_EQ(a.to_string(), "server01:https");
    Endpoint zoned;
    zoned.address = IpAddress::v4(0x7F000035);
    zoned.port = 53;
    zoned.zone = "lo";
    EXPECT_EQ(zoned.to_string(), "127.0.0.53%lo:53");
}

}  // namespace
}  // namespace portwatch::core
