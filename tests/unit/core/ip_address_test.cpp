#include "core/ip_address.h"

#include <gtest/gtest.h>

namespace portwatch::core {
namespace {

TEST(IpAddress, ParsesAndPrintsIpv4) {
    auto a = IpAddress::parse("192.168.1.20");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_v4());
    EXPECT_EQ(a->to_string(), "192.168.1.20");
    EXPECT_FALSE(IpAddress::parse("256.1.1.1"));
    EXPECT_FALSE(IpAddress::parse("1.2.3"));
    EXPECT_FALSE(IpAddress::parse("1.2.3.4.5"));
    EXPECT_FALSE(IpAddress::parse("1.2.3.4%2"));
    EXPECT_FALSE(IpAddress::parse(""));
}

struct V6Case {
    const char* input;
    const char* printed;
};

class Ipv6Text : public ::testing::TestWithParam<V6Case> {};

TEST_P(Ipv6Text, PrintsLikeInetNtop) {
    auto a = IpAddress::parse(GetParam().input);
    ASSERT_TRUE(a) << GetParam().input;
    EXPECT_FALSE(a->is_v4());
    EXPECT_EQ(a->to_string(), GetParam().printed);
}

INSTANTIATE_TEST_SUITE_P(Rfc5952, Ipv6Text,
                         ::testing::Values(V6Case{"::", "::"}, V6Case{"::1", "::1"},
                                           V6Case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                                           V6Case{"2001:DB8::0:1", "2001:db8::1"},
                                           V6Case{"fe80::1%14", "fe80::1%14"},
                                           V6Case{"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
                                           V6Case{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
                                           V6Case{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
                                           V6Case{"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
                                           V6Case{"::1.2.3.4", "::1.2.3.4"}));

TEST(IpAddress, RejectsMalformedIpv6) {
    for (const char* bad : {":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
                            "12345::", "1:2:3:4:5:6:7:", ":1:2", "fe80::1%eth0", "::g"}) {
        EXPECT_FALSE(IpAddress::parse(bad)) << bad;
    }
}

TEST(IpAddress, FoldsV4MappedIntoIpv4) {
    auto mapped = IpAddress::parse("::ffff:10.1.2.3");
    ASSERT_TRUE(mapped);
    EXPECT_TRUE(mapped->is_v4_mapped());
    EXPECT_EQ(mapped->normalized(), *IpAddress::parse("10.1.2.3"));
    EXPECT_EQ(IpAddress::parse("::1")->normalized(), *IpAddress::parse("::1"));
}

TEST(IpAddress, KnowsLoopbackAndUnspecified) {
    EXPECT_TRUE(IpAddress::parse("127.9.9.9")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("::ffff:127.0.0.1")->is_loopback());
    EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
    EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
    EXPECT_FALSE(IpAddress::parse("::1")->is_unspecified());
}

TEST(IpAddress, HostOrderConstructor) {
    EXPECT_EQ(IpAddress::v4(0x7F000001).to_string(), "127.0.0.1");
}

}  // namespace
}  // namespace portwatch::core
