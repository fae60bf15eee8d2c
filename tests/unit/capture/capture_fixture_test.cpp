// The shared fixtures: real captures from other machines (kellyjonbrazil/jc, MIT), used as
// they are. Expected numbers were counted independently with grep/awk on the files.
#include <gtest/gtest.h>

#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

using core::Protocol;
using core::TcpState;

std::size_t count_protocol(const core::Snapshot& s, Protocol p) {
    std::size_t n = 0;
    for (const auto& socket : s.sockets) {
        n += socket.protocol == p;
    }
    return n;
}

TEST(SharedFixtures, WindowsNetstatAon) {
    auto c = read_fixture("jc/windows_windows-10_netstat-aon.out");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->snapshots.size(), 1u);
    const auto& s = c->snapshots[0].snapshot;
    EXPECT_EQ(s.sockets.size(), 208u);  // grep -c '^  TCP' = 71, '^  UDP' = 137
    EXPECT_EQ(count_protocol(s, Protocol::Tcp), 71u);
    EXPECT_EQ(count_state(s, TcpState::Listen), 39u);
    EXPECT_EQ(count_state(s, TcpState::Established), 32u);
    EXPECT_EQ(s.config.platform, core::Platform::Windows);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    ASSERT_NE(s.find_process(10644), nullptr);
    // PID 4 listens on 445; its row names the owner by pid only (no -b).
    bool found = false;
    for (const auto& socket : s.sockets) {
        if (socket.local.port == 445 && socket.protocol == Protocol::Tcp &&
            socket.family() == core::Family::Ipv4) {
            found = true;
            EXPECT_EQ(socket.owners, std::vector<std::int32_t>{4});
        }
    }
    EXPECT_TRUE(found);
    // IPv6 with a zone id inside the brackets.
    bool zoned = false;
    for (const auto& socket : s.sockets) {
        zoned = zoned || socket.local.address.scope_id() == 64;
    }
    EXPECT_TRUE(zoned);
    EXPECT_TRUE(has_warning(s, "no BOUND rows"));
}

TEST(SharedFixtures, WindowsNetstatAnHasNoOwners) {
    auto c = read_fixture("jc/windows_windows-10_netstat-an.out");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 260u);  // 80 TCP + 180 UDP
    EXPECT_EQ(count_protocol(s, Protocol::Udp), 180u);
    EXPECT_TRUE(s.processes.empty());
    EXPECT_TRUE(has_warning(s, "no owner column"));
    EXPECT_EQ(c->stats.unrecognised, 0u);
    // jc redacted one address to "[fe80::asda:4124:2096:62b2%9]": the row is kept by its text.
    EXPECT_TRUE(has_warning(s, "1 row prints host or service names"));
}

TEST(SharedFixtures, SsTulpen) {
    auto c = read_fixture("jc/ubuntu-18.04_ss-sudo-tulpen.out");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 73u);
    EXPECT_EQ(count_state(s, TcpState::Listen), 58u);
    EXPECT_EQ(count_state(s, TcpState::Close), 15u);  // UNCONN
    EXPECT_EQ(s.config.platform, core::Platform::Linux);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto* avahi = s.find_process(1510);
    ASSERT_NE(avahi, nullptr);
    EXPECT_EQ(avahi->name, "avahi-daemon");
    // 127.0.0.53%lo:53: the interface-named zone is dropped, the address kept.
    bool resolver = false;
    for (const auto& socket : s.sockets) {
        if (socket.local.port == 53 && socket.local.address.to_string() == "127.0.0.53" &&
            socket.protocol == Protocol::Udp) {
            resolver = true;
            EXPECT_EQ(socket.owners, std::vector<std::int32_t>{1117});
            EXPECT_EQ(socket.uid, 101u);
            EXPECT_EQ(socket.inode, 29400u);
        }
    }
    EXPECT_TRUE(resolver);
}

TEST(SharedFixtures, SsAllSkipsUnixAndNetlink) {
    auto c = read_fixture("jc/centos-7.7_ss-sudo-a.out");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 9u);            // 6 tcp + 3 udp
    EXPECT_EQ(c->stats.skipped_sockets, 194u);  // nl 42, u_str 122, u_dgr 27, u_seq, raw, p_raw
    EXPECT_EQ(c->stats.unrecognised, 0u);
    EXPECT_TRUE(has_warning(s, "names instead of numbers"));
}

TEST(SharedFixtures, NetToolsAeep) {
    auto c = read_fixture("jc/centos-7.7_netstat-sudo-aeep.out");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 9u);            // tcp 2, tcp6 4, udp 2, udp6 1
    EXPECT_EQ(c->stats.skipped_sockets, 151u);  // unix 150, raw6 1
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto* sshd = s.find_process(6492);
    ASSERT_NE(sshd, nullptr);
    EXPECT_EQ(sshd->name, "sshd: kbrazil");
    for (const auto& socket : s.sockets) {
        if (!socket.owners.empty() && socket.owners[0] == 6492) {
            EXPECT_EQ(socket.inode, 63129u);
            EXPECT_EQ(socket.state, TcpState::Established);
        }
    }

    auto u = read_fixture("jc/ubuntu-18.04_netstat-sudo-aeep.out");
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->snapshots.at(0).snapshot.sockets.size(), 8u);
    EXPECT_EQ(u->stats.unrecognised, 0u);
    const auto* resolved = u->snapshots[0].snapshot.find_process(893);
    ASSERT_NE(resolved, nullptr);
    EXPECT_EQ(resolved->name, "systemd-resolve");
}

}  // namespace
}  // namespace portwatch::capture::test
