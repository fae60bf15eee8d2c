// portwatch's own Linux fixtures (tests/fixtures/capture/generate.py writes them).
#include <gtest/gtest.h>

#include "capture/host_defaults.h"
#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

using core::TcpState;

TEST(LinuxCaptures, SsTanpWithoutNetidColumn) {
    auto c = read_fixture("capture/linux-ss-tanp.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 1202u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 1000u);
    EXPECT_EQ(count_state(s, TcpState::Established), 150u);
    EXPECT_EQ(count_state(s, TcpState::CloseWait), 50u);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    for (const auto& socket : s.sockets) {
        EXPECT_EQ(socket.protocol, core::Protocol::Tcp);
    }
    // Two processes share the listener; the old users:(("java",3001,fd)) form.
    EXPECT_EQ(s.sockets[0].owners, (std::vector<std::int32_t>{812, 813}));
    ASSERT_NE(s.find_process(3001), nullptr);
    EXPECT_EQ(s.find_process(3001)->name, "java");
    EXPECT_EQ(s.config.platform, core::Platform::Linux);
    apply_host_config(*c, {}, c->netsh, c->name);
    EXPECT_EQ(s.config.ephemeral, (core::PortRange{32768, 60999}));
    EXPECT_NE(s.config.range_origin.find("assumed"), std::string::npos);
}

TEST(LinuxCaptures, SsTuanpMixed) {
    auto c = read_fixture("capture/linux-ss-tuanp.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 6u);
    EXPECT_EQ(s.sockets[1].protocol, core::Protocol::Udp);
    EXPECT_EQ(s.sockets[1].state, TcpState::Established);  // connected UDP
    EXPECT_EQ(s.sockets[3].owners, (std::vector<std::int32_t>{7001, 7040}));
    EXPECT_EQ(s.sockets[4].state, TcpState::TimeWait);
    EXPECT_TRUE(s.sockets[4].local.address.is_v4_mapped());
    EXPECT_EQ(s.sockets[4].local.port, 8080);
    EXPECT_EQ(s.sockets[5].state, TcpState::SynSent);
}

TEST(LinuxCaptures, NetToolsTanp) {
    auto c = read_fixture("capture/linux-netstat-tanp.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 344u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 300u);
    ASSERT_NE(s.find_process(4242), nullptr);
    EXPECT_EQ(s.find_process(4242)->name, "node /srv/app.js");
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto& v6 = s.sockets[341];
    EXPECT_EQ(v6.family(), core::Family::Ipv6);
    EXPECT_EQ(v6.local.port, 8080);
    EXPECT_EQ(v6.state, TcpState::Listen);
}

TEST(LinuxCaptures, ProcNetDumps) {
    auto tcp = read_fixture("capture/linux-proc-net-tcp.txt");
    ASSERT_TRUE(tcp) << tcp.error().message;
    const auto& s = tcp->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 3u);
    EXPECT_EQ(s.sockets[0].state, TcpState::Listen);
    EXPECT_EQ(s.sockets[0].local.port, 22);
    EXPECT_EQ(s.sockets[1].state, TcpState::TimeWait);
    EXPECT_EQ(s.sockets[1].local.address.to_string(), "10.1.0.5");
    EXPECT_EQ(s.sockets[1].remote.port, 5432);
    EXPECT_EQ(s.sockets[2].uid, 1000u);

    auto udp = read_fixture("capture/linux-proc-net-udp6.txt");
    ASSERT_TRUE(udp) << udp.error().message;
    const auto& u = udp->snapshots.at(0).snapshot;
    ASSERT_EQ(u.sockets.size(), 1u);
    EXPECT_EQ(u.sockets[0].protocol, core::Protocol::Udp);
    EXPECT_EQ(u.sockets[0].family(), core::Family::Ipv6);
    EXPECT_EQ(u.sockets[0].local.port, 323);
}

TEST(LinuxCaptures, NetToolsWithoutRoot) {
    auto c = parse_capture_text(
        "(Not all processes could be identified, non-owned process info\n"
        " will not be shown, you would have to be root to see it all.)\n"
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
        "PID/Program name\n"
        "tcp        0      0 10.0.0.5:41000          10.0.0.9:443            ESTABLISHED 991/curl\n"
        "tcp        0      0 10.0.0.5:41001          10.0.0.9:443            ESTABLISHED -\n",
        "tanp.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    ASSERT_EQ(c->snapshots.at(0).snapshot.sockets.size(), 2u);
    ASSERT_EQ(c->warnings.size(), 1u);
    EXPECT_NE(c->warnings[0].message.find("without root"), std::string::npos);
}

TEST(HostDefaults, RangePrecedence) {
    auto c = read_fixture("capture/windows-en-ano-findstr.txt");
    ASSERT_TRUE(c);
    auto& config = c->snapshots.at(0).snapshot.config;
    apply_host_config(*c, {}, {}, "");
    EXPECT_EQ(config.ephemeral, (core::PortRange{49152, 65535}));
    EXPECT_NE(config.range_origin.find("assumed"), std::string::npos);
    apply_host_config(*c, {std::nullopt, OsPreset::Xp}, {}, "");
    EXPECT_EQ(config.ephemeral, (core::PortRange{1025, 5000}));
    std::vector<NetshRange> netsh{{core::Protocol::Tcp, {50000, 59999}, 3}};
    apply_host_config(*c, {std::nullopt, OsPreset::Xp}, netsh, "netsh.txt");
    EXPECT_EQ(config.ephemeral, (core::PortRange{50000, 59999}));
    EXPECT_NE(config.range_origin.find("netsh.txt:3"), std::string::npos);
    apply_host_config(*c, {core::PortRange{10000, 10999}, OsPreset::Xp}, netsh, "netsh.txt");
    EXPECT_EQ(config.ephemeral, (core::PortRange{10000, 10999}));
    EXPECT_EQ(config.range_origin, "--range");

    EXPECT_EQ(parse_os_preset("2003"), OsPreset::Xp);
    EXPECT_EQ(parse_os_preset("Vista+"), OsPreset::VistaPlus);
    EXPECT_EQ(parse_os_preset("linux"), OsPreset::Linux);
    EXPECT_FALSE(parse_os_preset("beos"));
    EXPECT_TRUE(parse_dashed_port_range("1025-5000"));
    EXPECT_FALSE(parse_dashed_port_range("5000-1025"));
    EXPECT_FALSE(parse_dashed_port_range("0-10"));
    EXPECT_FALSE(parse_dashed_port_range("1-70000"));
}

}  // namespace
}  // namespace portwatch::capture::test
