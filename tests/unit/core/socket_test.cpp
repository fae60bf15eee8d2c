#include "core/socket.h"

#include <gtest/gtest.h>

namespace portwatch::core {
namespace {

TEST(SocketState, NamesFollowNetstat) {
    EXPECT_EQ(state_name(Protocol::Tcp, TcpState::TimeWait), "TIME_WAIT");
    EXPECT_EQ(state_name(Protocol::Tcp, TcpState::Listen), "LISTEN");
    EXPECT_EQ(state_name(Protocol::Udp, TcpState::Close), "UNCONN");
    EXPECT_EQ(state_name(Protocol::Udp, TcpState::Established), "ESTABLISHED");
    EXPECT_EQ(state_name(Protocol::Tcp, TcpState::Bound), "BOUND");
}

TEST(SocketState, ParsesNetstatAndSsSpellings) {
    EXPECT_EQ(parse_state("TIME_WAIT"), TcpState::TimeWait);
    EXPECT_EQ(parse_state("time-wait"), TcpState::TimeWait);
    EXPECT_EQ(parse_state("ESTAB"), TcpState::Established);
    EXPECT_EQ(parse_state("FIN-WAIT-1"), TcpState::FinWait1);
    EXPECT_EQ(parse_state("FIN_WAIT_2"), TcpState::FinWait2);
    EXPECT_EQ(parse_state("UNCONN"), TcpState::Close);
    EXPECT_EQ(parse_state("bound"), TcpState::Bound);
    EXPECT_FALSE(parse_state("LISTENING-ish"));
}

TEST(Endpoint, PrintsLikeSs) {
    Endpoint v4{*IpAddress::parse("10.0.0.1"), 443, {}};
    Endpoint v6{*IpAddress::parse("fe80::1%2"), 22, {}};
    Endpoint named{{}, 0, false, "server01:https"};
    EXPECT_EQ(v4.to_string(), "10.0.0.1:443");
    EXPECT_EQ(v6.to_string(), "[fe80::1%2]:22");
    EXPECT_EQ(named.to_string(), "server01:https");
}

}  // namespace
}  // namespace portwatch::core
