#include "formats/procfs/proc_net.h"

#include <gtest/gtest.h>

namespace portwatch::formats {
namespace {

// Captured from a 6.x kernel (little-endian), trimmed to representative rows.
constexpr const char* kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 "
    "31337 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:1F90 01 00000010:00000000 02:0000176A 00000000  1000        0 "
    "31338 1 0000000000000000 20 4 30 10 -1\n"
    "   2: 0100007F:9C42 0100007F:1F90 06 00000000:00000000 03:00001234 00000000     0        0 "
    "0 3 0000000000000000\n";

constexpr const char* kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000200007F:D431 08 "
    "00000000:00000000 00:00000000 00000000    33        0 4243 1 0000000000000000 20 4 0 10 -1\n";

TEST(ProcNet, ParsesIpv4Table) {
    auto sockets = parse_proc_net(kTcp, core::Protocol::Tcp);
    ASSERT_TRUE(sockets) << sockets.error().message;
    ASSERT_EQ(sockets->size(), 3u);
    const auto& listen = (*sockets)[0];
    EXPECT_EQ(listen.state, core::TcpState::Listen);
    EXPECT_EQ(listen.local.to_string(), "127.0.0.1:8080");
    EXPECT_EQ(listen.inode, 31337u);
    EXPECT_EQ(listen.rqueue, 2u);
    EXPECT_EQ(listen.uid, 1000u);
    const auto& est = (*sockets)[1];
    EXPECT_EQ(est.state, core::TcpState::Established);
    EXPECT_EQ(est.local.port, 40000);
    EXPECT_EQ(est.remote.to_string(), "127.0.0.1:8080");
    EXPECT_EQ(est.wqueue, 16u);
    EXPECT_EQ(est.timer, core::TimerKind::Keepalive);
    EXPECT_EQ(est.expires_ms, 0x176Au * 10);
    const auto& tw = (*sockets)[2];
    EXPECT_EQ(tw.state, core::TcpState::TimeWait);
    EXPECT_EQ(tw.inode, 0u);
    EXPECT_FALSE(tw.uid.has_value());
    EXPECT_EQ(tw.timer, core::TimerKind::TimeWait);
}

TEST(ProcNet, ParsesIpv6TableWordByWord) {
    auto sockets = parse_proc_net(kTcp6, core::Protocol::Tcp);
    ASSERT_TRUE(sockets) << sockets.error().message;
    ASSERT_EQ(sockets->size(), 2u);
    EXPECT_EQ((*sockets)[0].local.to_string(), "[::1]:22");
    EXPECT_EQ((*sockets)[1].local.address.to_string(), "::ffff:127.0.0.1");
    EXPECT_EQ((*sockets)[1].remote.address.to_string(), "::ffff:127.0.0.2");
    EXPECT_EQ((*sockets)[1].remote.port, 0xD431);
    EXPECT_EQ((*sockets)[1].state, core::TcpState::CloseWait);
}

TEST(ProcNet, UdpStatesKeepUnconnectedAsClose) {
    auto sockets = parse_proc_net(
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode ref pointer drops\n"
        "  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101  "
        "      0 999 2 0000000000000000 0\n",
        core::Protocol::Udp);
    ASSERT_TRUE(sockets);
    ASSERT_EQ(sockets->size(), 1u);
    EXPECT_EQ((*sockets)[0].state, core::TcpState::Close);
    EXPECT_EQ((*sockets)[0].local.port, 53);
}

TEST(ProcNet, ErrorsNameTheLine) {
    std::string text = std::string(kTcp) + "   3: garbage\n";
    auto sockets = parse_proc_net(text, core::Protocol::Tcp);
    ASSERT_FALSE(sockets);
    EXPECT_EQ(sockets.error().message.rfind("line 5: ", 0), 0u) << sockets.error().message;
    auto bad_state = parse_proc_net_line(
        "   0: 0100007F:1F90 00000000:0000 FF 00000000:00000000 00:00000000 00000000 0 0 1",
        core::Protocol::Tcp);
    ASSERT_FALSE(bad_state);
    EXPECT_NE(bad_state.error().message.find("state"), std::string::npos);
    EXPECT_FALSE(parse_proc_net_line(
        "   0: 0100007F:1F90 00000000000000000000000000000000:0000 0A 0:0 00:0 0 0 0 1",
        core::Protocol::Tcp));  // mixed families
}

TEST(ProcNet, BlankAndHeaderOnlyInputIsEmpty) {
    auto empty = parse_proc_net("", core::Protocol::Tcp);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    auto header = parse_proc_net("  sl  local_address rem_address   st\n\n", core::Protocol::Tcp);
    ASSERT_TRUE(header);
    EXPECT_TRUE(header->empty());
}

}  // namespace
}  // namespace portwatch::formats
