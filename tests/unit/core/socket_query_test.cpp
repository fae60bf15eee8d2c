#include "core/socket_query.h"

#include <gtest/gtest.h>

#include <tuple>

namespace portwatch::core {
namespace {

Socket tcp(const char* local, std::uint16_t lport, const char* remote, std::uint16_t rport,
           TcpState state, std::vector<std::int32_t> owners = {}) {
    Socket s;
    s.protocol = Protocol::Tcp;
    s.state = state;
    s.local = {*IpAddress::parse(local), lport, {}};
    s.remote = {*IpAddress::parse(remote), rport, {}};
    s.owners = PidList(owners.begin(), owners.end());
    return s;
}

Snapshot sample() {
    Snapshot snap;
    snap.sockets.push_back(tcp("0.0.0.0", 80, "0.0.0.0", 0, TcpState::Listen, {10}));
    snap.sockets.push_back(tcp("10.0.0.1", 40000, "10.0.0.9", 445, TcpState::Established, {20}));
    snap.sockets.push_back(tcp("10.0.0.1", 40001, "10.0.0.9", 445, TcpState::TimeWait));
    snap.sockets.push_back(tcp("::", 22, "::", 0, TcpState::Listen, {30}));
    snap.sockets.push_back(
        tcp("::ffff:10.0.0.1", 80, "::ffff:10.0.0.7", 5000, TcpState::CloseWait, {10, 11}));
    Socket udp;
    udp.protocol = Protocol::Udp;
    udp.state = TcpState::Close;
    udp.local = {*IpAddress::parse("0.0.0.0"), 53, {}};
    udp.owners = {40};
    snap.sockets.push_back(udp);
    for (auto [pid, name, exe] : {std::tuple{10, "nginx", "/usr/sbin/nginx"},
                                  {11, "nginx", ""},
                                  {20, "smbclient", ""},
                                  {30, "sshd", ""},
                                  {40, "dnsmasq", ""}}) {
        Process p;
        p.pid = pid;
        p.name = name;
        p.exe = exe;
        snap.processes.push_back(p);
    }
    return snap;
}

std::vector<std::uint16_t> local_ports(const std::vector<const Socket*>& v) {
    std::vector<std::uint16_t> out;
    for (auto* s : v) {
        out.push_back(s->local.port);
    }
    return out;
}

TEST(SocketQuery, EmptyFilterKeepsEverythingInKernelOrder) {
    auto snap = sample();
    EXPECT_EQ(local_ports(select(snap, {}, SortKey::None)),
              (std::vector<std::uint16_t>{80, 40000, 40001, 22, 80, 53}));
}

TEST(SocketQuery, ProtocolFamilyAndListening) {
    auto snap = sample();
    SocketFilter f;
    f.udp = false;
    f.ipv4 = false;
    EXPECT_EQ(local_ports(select(snap, f, SortKey::None)), (std::vector<std::uint16_t>{22, 80}));
    SocketFilter l;
    l.listening_only = true;
    EXPECT_EQ(local_ports(select(snap, l, SortKey::None)),
              (std::vector<std::uint16_t>{80, 22, 53}));
}

TEST(SocketQuery, StatesPidsProcessesPorts) {
    auto snap = sample();
    SocketFilter f;
    f.states = {TcpState::TimeWait, TcpState::CloseWait};
    EXPECT_EQ(local_ports(select(snap, f, SortKey::None)), (std::vector<std::uint16_t>{40001, 80}));
    SocketFilter p;
    p.pids = {11};
    EXPECT_EQ(local_ports(select(snap, p, SortKey::None)), (std::vector<std::uint16_t>{80}));
    SocketFilter n;
    n.processes = {"nginx"};
    EXPECT_EQ(select(snap, n, SortKey::None).size(), 2u);
    SocketFilter port;
    port.ports = {445};
    EXPECT_EQ(select(snap, port, SortKey::None).size(), 2u);
}

TEST(SocketQuery, RemoteMatchesV4MappedPeers) {
    auto snap = sample();
    SocketFilter f;
    ASSERT_TRUE(parse_remote("10.0.0.7", f));
    EXPECT_EQ(local_ports(select(snap, f, SortKey::None)), (std::vector<std::uint16_t>{80}));
    SocketFilter g;
    ASSERT_TRUE(parse_remote("10.0.0.9:445", g));
    EXPECT_EQ(select(snap, g, SortKey::None).size(), 2u);
    SocketFilter h;
    ASSERT_TRUE(parse_remote(":5000", h));
    EXPECT_EQ(select(snap, h, SortKey::None).size(), 1u);
    SocketFilter v6;
    ASSERT_TRUE(parse_remote("[::1]:80", v6));
    EXPECT_EQ(v6.remote_port, 80);
}

TEST(SocketQuery, RejectsBadRemote) {
    SocketFilter f;
    for (const char* bad : {"", "host.example", "10.0.0.1:", "10.0.0.1:99999", "[::1", "[::1]x"}) {
        EXPECT_FALSE(parse_remote(bad, f)) << bad;
    }
}

TEST(SocketQuery, SortsByRemoteThenLocal) {
    auto snap = sample();
    SocketFilter f;
    f.udp = false;
    auto v = select(snap, f, SortKey::Remote);
    ASSERT_EQ(v.size(), 5u);
    // IPv4 before IPv6; 0.0.0.0 first; the two 10.0.0.9:445 by local port.
    EXPECT_EQ(local_ports(v), (std::vector<std::uint16_t>{80, 40000, 40001, 22, 80}));
}

TEST(SocketQuery, SortsByProcessNameWithOwnerlessLast) {
    auto snap = sample();
    auto v = select(snap, {}, SortKey::Process);
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v.front()->owners.front(), 40);  // dnsmasq
    EXPECT_TRUE(v.back()->owners.empty());     // the TIME_WAIT
}

TEST(SortKey, Parses) {
    EXPECT_EQ(parse_sort_key("remote"), SortKey::Remote);
    EXPECT_FALSE(parse_sort_key("bogus"));
}

}  // namespace
}  // namespace portwatch::core
