// Class 7 of issue #7: every line of a real capture is read. Translated headers by their shape,
// ss interface zones, addresses net-tools cut to its column, netstat -ab without -o.
#include <gtest/gtest.h>

#include "capture/endpoint_text.h"
#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

using core::TcpState;

const core::Socket* find_local(const core::Snapshot& s, std::uint16_t port, TcpState state) {
    for (const auto& socket : s.sockets) {
        if (socket.local.port == port && socket.state == state) {
            return &socket;
        }
    }
    return nullptr;
}

void expect_windows_rows(const CaptureSnapshot& cs, std::int32_t pid) {
    const auto& s = cs.snapshot;
    ASSERT_EQ(s.sockets.size(), 6u);
    EXPECT_EQ(s.config.platform, core::Platform::Windows);
    EXPECT_EQ(count_state(s, TcpState::Listen), 3u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 1u);
    const auto* rpc = find_local(s, 135, TcpState::Listen);
    ASSERT_NE(rpc, nullptr);
    EXPECT_EQ(rpc->owners, std::vector<std::int32_t>{pid});
    const auto* client = find_local(s, 50412, TcpState::Established);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->remote.to_string(), "10.4.0.20:443");
    EXPECT_EQ(client->owners, std::vector<std::int32_t>{pid + 1});
    EXPECT_FALSE(has_warning(s, "not recognised"));
}

TEST(TranslatedHeaders, RussianInCodePage866) {
    auto c = read_fixture("capture/windows-ru-ano-cp866.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    EXPECT_EQ(c->stats.transcoded, 2u);  // the title and the header, read in CP850
    ASSERT_EQ(c->snapshots.size(), 1u);
    expect_windows_rows(c->snapshots[0], 948);
}

TEST(TranslatedHeaders, ChineseInUtf16) {
    auto c = read_fixture("capture/windows-zh-ano-utf16le.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->encoding, Encoding::Utf16Le);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    ASSERT_EQ(c->snapshots.size(), 1u);
    expect_windows_rows(c->snapshots[0], 1096);
}

TEST(TranslatedHeaders, JapaneseInCodePage932TwoCapturesInARow) {
    auto c = read_fixture("capture/windows-ja-ano-cp932.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    // The second translated title after rows starts the second capture of the `>>` loop.
    ASSERT_EQ(c->snapshots.size(), 2u);
    expect_windows_rows(c->snapshots[0], 1204);
    expect_windows_rows(c->snapshots[1], 1204);
    EXPECT_EQ(c->snapshots[1].first_line, 15u);
}

// No word list: a language portwatch has never seen is read by the same shape.
TEST(TranslatedHeaders, ShapeNotWords) {
    auto c = parse_capture_text(
        "\r\nZzyzx qwerty\r\n\r\n  Vbnm  Plokij ujmyhn   Tgbrfv edcwsx   Qazxsw  PID\r\n"
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       900\r\n"
        "  TCP    10.0.0.8:50000         10.0.0.9:443           ESTABLISHED     901\r\n",
        "unknown-language.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    EXPECT_EQ(c->snapshots.at(0).snapshot.sockets.size(), 2u);

    // net-tools run in German: a translated title right above its header, no blank line.
    auto n = parse_capture_text(
        "Aktive Internetverbindungen (Server und stehende Verbindungen)\n"
        "Proto Recv-Q Send-Q Lokale Adresse          Gegen-Adresse           Status      "
        "PID/Programmname\n"
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      640/sshd\n"
        "Aktive Sockets in der UNIX-Domäne (Server und stehende Verbindungen)\n"
        "Proto RefCnt Flags       Typ        Zustand      I-Node   PID/Programmname     Pfad\n"
        "unix  2      [ ACC ]     STROM      HÖRT         17851    1/systemd            "
        "/run/systemd/notify\n",
        "netstat-de.txt");
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(n->stats.unrecognised, 0u);
    EXPECT_EQ(n->stats.skipped_sockets, 1u);
}

// What is not in a header's place stays unrecognised, and a line with digits is never a header.
TEST(TranslatedHeaders, OnlyInAHeadersPlace) {
    auto c = parse_capture_text(
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       900\n"
        "some words right after a row\n"
        "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\n"
        "\n"
        "a title without a header\n"
        "\n"
        "  TCP    0.0.0.0:446            0.0.0.0:0              LISTENING       4\n"
        "\n"
        "  Words 3 and 10.0.0.1\n"
        "  TCP    0.0.0.0:447            0.0.0.0:0              LISTENING       4\n"
        "\n"
        "header indented unlike the row\n"
        "  TCP    0.0.0.0:448            0.0.0.0:0              LISTENING       4\n",
        "noise.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.socket_rows, 5u);
    EXPECT_EQ(c->stats.unrecognised, 4u);
    EXPECT_TRUE(has_warning(c->snapshots.at(0).snapshot, "line 2: 'some words right after a row'"));
}

TEST(SsZones, LinkLocalRowsKeepTheirInterface) {
    auto c = read_fixture("capture/linux-ss-zones.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 8u);
    // [fe80::a00:27ff:fe4e:66a1]%enp0s3:22 -> [fe80::1c2d:3eff:fe4f:5a6b]:50522
    const auto* ssh = find_local(s, 22, TcpState::Established);
    ASSERT_NE(ssh, nullptr);
    EXPECT_EQ(ssh->local.address.to_string(), "fe80::a00:27ff:fe4e:66a1");
    EXPECT_EQ(ssh->local.zone, "enp0s3");
    EXPECT_EQ(ssh->local.to_string(), "[fe80::a00:27ff:fe4e:66a1%enp0s3]:22");
    EXPECT_EQ(ssh->remote.port, 50522);
    EXPECT_EQ(ssh->owners, std::vector<std::int32_t>{7002});
    // The older unbracketed form.
    const auto* curl = find_local(s, 41000, TcpState::Established);
    ASSERT_NE(curl, nullptr);
    EXPECT_EQ(curl->local.zone, "enp0s8");
    EXPECT_EQ(curl->remote.to_string(), "[fe80::1]:443");
    // Sockets bound to a device.
    const auto* resolver = find_local(s, 53, TcpState::Close);
    ASSERT_NE(resolver, nullptr);
    EXPECT_EQ(resolver->local.to_string(), "127.0.0.53%lo:53");
    const auto* dhcp = find_local(s, 68, TcpState::Close);
    ASSERT_NE(dhcp, nullptr);
    EXPECT_EQ(dhcp->local.zone, "enp0s3");
}

TEST(SsZones, EndpointForms) {
    auto a = parse_endpoint_text("[fe80::1]%eth0:123");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->endpoint.zone, "eth0");
    EXPECT_EQ(a->endpoint.port, 123);
    EXPECT_FALSE(a->named);
    auto b = parse_endpoint_text("[fe80::1%eth0]:123");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->endpoint.zone, "eth0");
    auto c = parse_endpoint_text("fe80::1%eth0:123");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->endpoint.zone, "eth0");
    EXPECT_EQ(c->endpoint.address.to_string(), "fe80::1");
    auto d = parse_endpoint_text("[fe80::1%14]:1900");  // Windows: the number is the scope id
    ASSERT_TRUE(d);
    EXPECT_EQ(d->endpoint.zone, "");
    EXPECT_EQ(d->endpoint.address.scope_id(), 14u);
    EXPECT_FALSE(parse_endpoint_text("[fe80::1]%:123"));
    EXPECT_FALSE(parse_endpoint_text("[fe80::1]%eth0"));
    EXPECT_FALSE(parse_endpoint_text("[fe80::1%eth0]%eth1:123"));
}

TEST(NetToolsCut, LongIpv6AddressesAreMarkedCut) {
    auto c = read_fixture("capture/linux-netstat-cut-ipv6.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 9u);
    EXPECT_TRUE(has_warning(s, "6 rows have an IPv6 address that fills"));
    const auto* nginx = find_local(s, 443, TcpState::Established);
    ASSERT_NE(nginx, nullptr);
    EXPECT_TRUE(nginx->local.cut);
    EXPECT_EQ(nginx->local.name, "2001:db8:85a3:8d3:1:443");
    EXPECT_EQ(nginx->local.to_string(), "[2001:db8:85a3:8d3:1...]:443");
    EXPECT_TRUE(nginx->remote.cut);
    EXPECT_EQ(nginx->remote.port, 51514);
    EXPECT_EQ(nginx->owners, std::vector<std::int32_t>{812});
    // Two different peers cut to the same text stay inexact: never one address.
    const auto* tw = find_local(s, 443, TcpState::TimeWait);
    ASSERT_NE(tw, nullptr);
    EXPECT_TRUE(tw->remote.cut);
    EXPECT_FALSE(tw->remote.name.empty());
    // A v4-mapped address cut in its dotted quad.
    const auto* java = find_local(s, 54321, TcpState::CloseWait);
    ASSERT_NE(java, nullptr);
    EXPECT_TRUE(java->local.cut);
    EXPECT_EQ(java->remote.port, 8080);
    // Short addresses are whole.
    const auto* cups = find_local(s, 631, TcpState::Established);
    ASSERT_NE(cups, nullptr);
    EXPECT_FALSE(cups->local.cut);
    EXPECT_TRUE(cups->local.name.empty());
}

TEST(NetToolsCut, EndpointRule) {
    auto e = parse_cut_endpoint("2001:db8:85a3:8d3:1:443");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->cut);
    EXPECT_EQ(e->port, 443);
    EXPECT_TRUE(e->address.is_unspecified());                    // not an address once cut
    auto valid = parse_cut_endpoint("2001:db8::1234:5678:443");  // parses, may still be cut
    ASSERT_TRUE(valid);
    EXPECT_TRUE(valid->cut);
    EXPECT_FALSE(valid->address.is_unspecified());
    EXPECT_FALSE(parse_cut_endpoint("2001:db8::1:443"));          // shorter than the column
    EXPECT_FALSE(parse_cut_endpoint("10.10.10.10:44300000000"));  // not IPv6 text
}

// netstat -W never cuts: an address that merely fills 23 characters is whole there.
TEST(NetToolsCut, WideOutputIsWhole) {
    auto c = parse_capture_text(
        "tcp6       0      0 2001:db8::1234:5678:443 2001:db8:4f2a:c01:215:5dff:fe01:2:51514 "
        "ESTABLISHED 812/nginx\n",
        "netstat-W.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& socket = c->snapshots.at(0).snapshot.sockets.at(0);
    EXPECT_FALSE(socket.local.cut);
    EXPECT_TRUE(socket.local.name.empty());
    EXPECT_EQ(socket.local.to_string(), "[2001:db8::1234:5678]:443");
    EXPECT_FALSE(has_warning(c->snapshots[0].snapshot, "may be cut"));
}

TEST(NetstatAbWithoutO, OwnersByPosition) {
    auto c = read_fixture("capture/windows-en-ab-no-pid.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 14u);
    const auto* java = find_local(s, 8080, TcpState::Listen);
    ASSERT_NE(java, nullptr);
    ASSERT_EQ(java->owners.size(), 1u);
    std::int32_t javaw = java->owners[0];
    EXPECT_TRUE(core::pid_is_local(javaw));
    ASSERT_NE(s.find_process(javaw), nullptr);
    EXPECT_EQ(s.find_process(javaw)->name, "javaw.exe");
    EXPECT_EQ(core::name_with_pid("javaw.exe", javaw), "javaw.exe (PID not in the capture)");
    for (std::uint16_t port = 50100; port < 50106; ++port) {
        const auto* leak = find_local(s, port, TcpState::CloseWait);
        ASSERT_NE(leak, nullptr);
        EXPECT_EQ(leak->owners, std::vector<std::int32_t>{javaw});
        EXPECT_EQ(leak->attribution, core::Attribution::Owned);
    }
    // Service lines tell svchost instances apart; ownerless rows stay ownerless.
    const auto* rpc = find_local(s, 135, TcpState::Listen);
    const auto* cdp = find_local(s, 50201, TcpState::Established);
    ASSERT_TRUE(rpc && cdp);
    EXPECT_NE(rpc->owners, cdp->owners);
    ASSERT_FALSE(rpc->owners.empty());
    EXPECT_EQ(s.find_process(rpc->owners[0])->services, std::vector<std::string>{"RpcSs"});
    EXPECT_TRUE(find_local(s, 445, TcpState::Listen)->owners.empty());
    EXPECT_TRUE(find_local(s, 50200, TcpState::TimeWait)->owners.empty());
    const auto* dns53 = find_local(s, 53, TcpState::Close);
    const auto* dns5353 = find_local(s, 5353, TcpState::Close);
    ASSERT_TRUE(dns53 && dns5353);
    EXPECT_EQ(dns53->owners, dns5353->owners);
    EXPECT_TRUE(has_warning(s, "no PID column (netstat -ab without -o)"));
    EXPECT_FALSE(has_warning(s, "cannot be joined"));
}

// The shared real captures: no line that is data is left unread.
TEST(RealCaptures, EveryLineRead) {
    for (const char* f :
         {"jc/windows_windows-10_netstat-aon.out", "jc/windows_windows-10_netstat-an.out",
          "jc/ubuntu-18.04_ss-sudo-tulpen.out", "jc/centos-7.7_ss-sudo-a.out",
          "jc/centos-7.7_netstat-sudo-aeep.out", "jc/ubuntu-18.04_netstat-sudo-aeep.out"}) {
        SCOPED_TRACE(f);
        auto c = read_fixture(f);
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(c->stats.unrecognised, 0u);
    }
}

}  // namespace
}  // namespace portwatch::capture::test
