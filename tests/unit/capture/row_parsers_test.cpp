// The row parsers on single lines: the shapes the reference notes describe.
#include <gtest/gtest.h>

#include "capture/capture.h"
#include "capture/endpoint_text.h"
#include "capture/netsh_dynamicport.h"
#include "capture/nettools_netstat.h"
#include "capture/ss_output.h"
#include "capture/state_words.h"
#include "capture/tokens.h"
#include "capture/windows_netstat.h"

namespace portwatch::capture {
namespace {

using core::TcpState;

TEST(EndpointText, Forms) {
    auto v4 = parse_endpoint_text("10.0.0.1:443");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->endpoint.port, 443);
    EXPECT_FALSE(v4->named);
    auto zoned = parse_endpoint_text("[fe80::d8df:ceee:28ba:aad%14]:1900");
    ASSERT_TRUE(zoned);
    EXPECT_EQ(zoned->endpoint.address.scope_id(), 14u);
    auto any = parse_endpoint_text("*:*");
    ASSERT_TRUE(any);
    EXPECT_TRUE(any->endpoint.is_wildcard());
    auto old_ss = parse_endpoint_text("::ffff:10.0.0.1:22");
    ASSERT_TRUE(old_ss);
    EXPECT_TRUE(old_ss->endpoint.address.is_v4_mapped());
    EXPECT_EQ(old_ss->endpoint.port, 22);
    auto v6any = parse_endpoint_text(":::22");
    ASSERT_TRUE(v6any);
    EXPECT_EQ(v6any->endpoint.address.family(), core::Family::Ipv6);
    auto named = parse_endpoint_text("localhost:smtp", core::Family::Ipv6);
    ASSERT_TRUE(named);
    EXPECT_TRUE(named->named);
    EXPECT_EQ(named->endpoint.name, "localhost:smtp");
    EXPECT_EQ(named->endpoint.address.family(), core::Family::Ipv6);
    EXPECT_FALSE(parse_endpoint_text("10.0.0.1:70000"));
    EXPECT_FALSE(parse_endpoint_text("10.0.0.1"));
    EXPECT_TRUE(parse_endpoint_text("10.0.0.1", core::Family::Ipv4, true));
    EXPECT_FALSE(parse_endpoint_text("[::1"));
    EXPECT_FALSE(parse_endpoint_text("a b:1"));
}

TEST(ProtocolWords, OneTableForEveryFormat) {
    struct Case {
        const char* word;
        core::Protocol protocol;
        core::Family family;
    };
    for (const Case& c : {Case{"TCP", core::Protocol::Tcp, core::Family::Ipv4},
                          Case{"udp", core::Protocol::Udp, core::Family::Ipv4},
                          Case{"TCPv6", core::Protocol::Tcp, core::Family::Ipv6},
                          Case{"TCPV6", core::Protocol::Tcp, core::Family::Ipv6},
                          Case{"UDPv6", core::Protocol::Udp, core::Family::Ipv6},
                          Case{"tcp6", core::Protocol::Tcp, core::Family::Ipv6},
                          Case{"udp6", core::Protocol::Udp, core::Family::Ipv6},
                          Case{"udpl", core::Protocol::Udp, core::Family::Ipv4},
                          Case{"udpl6", core::Protocol::Udp, core::Family::Ipv6}}) {
        auto w = parse_protocol_word(c.word);
        ASSERT_TRUE(w) << c.word;
        EXPECT_EQ(w->protocol, c.protocol) << c.word;
        EXPECT_EQ(w->family, c.family) << c.word;
    }
    for (const char* other : {"unix", "raw6", "sctp", "tcp4", "", "Proto", "TCPv66"}) {
        EXPECT_FALSE(parse_protocol_word(other)) << other;
    }
}

TEST(StateWords, LocalizedAndSpellings) {
    EXPECT_EQ(parse_state_word("LISTENING"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("ABHÖREN"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("abhören"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("ABH?REN"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("ABH\xEF\xBF\xBDREN"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("À L'ÉCOUTE"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("WARTEND"), TcpState::TimeWait);
    EXPECT_EQ(parse_state_word("TIME-WAIT"), TcpState::TimeWait);
    EXPECT_EQ(parse_state_word("IN ASCOLTO"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("ÉCOUTE"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("écoute"), TcpState::Listen);
    EXPECT_EQ(parse_state_word("FIN-WAIT-1"), TcpState::FinWait1);
    EXPECT_EQ(parse_state_word("SYN_RECEIVED"), TcpState::SynRecv);
    EXPECT_EQ(parse_state_word("BOUND"), TcpState::Bound);
    EXPECT_FALSE(parse_state_word("TIMED_WAIT"));  // the MS doc's wrong spelling is no token
    EXPECT_FALSE(parse_state_word(std::string(100, 'A')));
}

TEST(WindowsRows, Shapes) {
    Row row;
    ASSERT_EQ(parse_windows_netstat_row(
                  "  TCP    192.168.31.221:4713    157.240.252.61:5222    TIME_WAIT       0", row),
              RowResult::Socket);
    EXPECT_EQ(row.socket.state, TcpState::TimeWait);
    EXPECT_TRUE(row.pid_column);
    EXPECT_EQ(row.owner_count, 0u);  // PID 0 is nobody

    ASSERT_EQ(
        parse_windows_netstat_row("  UDP    0.0.0.0:53             *:*                    ", row),
        RowResult::Socket);
    EXPECT_EQ(row.socket.state, TcpState::Close);
    EXPECT_FALSE(row.pid_column);

    ASSERT_EQ(
        parse_windows_netstat_row(
            "  TCP    127.0.0.1:49186        127.0.0.1:49273        SCHLIESSEN_WARTEN2288", row),
        RowResult::Socket);
    EXPECT_EQ(row.socket.state, TcpState::CloseWait);
    ASSERT_EQ(row.owner_count, 1u);
    EXPECT_EQ(row.owners[0].pid, 2288);

    ASSERT_EQ(
        parse_windows_netstat_row("  TCP    0.0.0.0:135   0.0.0.0:0   IN ASCOLTO   1044", row),
        RowResult::Socket);
    EXPECT_EQ(row.socket.state, TcpState::Listen);
    EXPECT_EQ(row.owners[0].pid, 1044);

    ASSERT_EQ(parse_windows_netstat_row("  TCP    0.0.0.0:1   0.0.0.0:0   GRUMMELN   7", row),
              RowResult::Socket);
    EXPECT_EQ(row.socket.state, TcpState::Unknown);
    EXPECT_EQ(row.state_text, "GRUMMELN");

    EXPECT_EQ(parse_windows_netstat_row("  TCP    0.0.0.0   0.0.0.0:0   LISTENING", row),
              RowResult::Mismatch);
    EXPECT_EQ(parse_windows_netstat_row("  Proto  Local Address   Foreign Address", row),
              RowResult::Mismatch);
}

TEST(WindowsRows, OwnerLines) {
    EXPECT_EQ(classify_owner_line(" [svchost.exe]").kind, OwnerLineKind::Executable);
    EXPECT_EQ(classify_owner_line(" [svchost.exe]").text, "svchost.exe");
    EXPECT_EQ(classify_owner_line("  RpcSs").kind, OwnerLineKind::Service);
    EXPECT_EQ(classify_owner_line(" Can not obtain ownership information").kind,
              OwnerLineKind::Unavailable);
    EXPECT_EQ(classify_owner_line(" Impossible d’obtenir les informations de propriétaire").kind,
              OwnerLineKind::Unavailable);
    EXPECT_EQ(classify_owner_line("  C:\\WINDOWS\\system32\\RPCRT4.dll").kind,
              OwnerLineKind::Component);
    EXPECT_EQ(classify_owner_line("  -- unknown component(s) --").kind, OwnerLineKind::Component);
    EXPECT_TRUE(is_elevation_refusal("The requested operation requires elevation."));
    EXPECT_TRUE(is_elevation_refusal("Der angeforderte Vorgang erfordert erhöhte Rechte."));
    EXPECT_FALSE(is_elevation_refusal("Active Connections"));
}

TEST(NetToolsRows, OwnerAndUserColumns) {
    Row row;
    ASSERT_EQ(
        parse_nettools_row("tcp6       0      0 localhost:ssh           localhost:38134         "
                           "ESTABLISHED root       63129      6492/sshd: kbrazil  ",
                           row),
        RowResult::Socket);
    EXPECT_TRUE(row.named);
    EXPECT_EQ(row.socket.inode, 63129u);
    ASSERT_EQ(row.owner_count, 1u);
    EXPECT_EQ(row.owners[0].name, "sshd: kbrazil");
    ASSERT_EQ(parse_nettools_row("tcp   0   0 10.0.0.5:43210   10.0.0.9:5432   TIME_WAIT   -", row),
              RowResult::Socket);
    EXPECT_EQ(row.owner_count, 0u);
    EXPECT_TRUE(row.pid_column);
    ASSERT_EQ(parse_nettools_row("tcp  0  0 10.0.0.5:22  10.0.0.9:5000  ESTABLISHED 77/sshd  "
                                 "keepalive (7175.18/0/0)",
                                 row),
              RowResult::Socket);
    EXPECT_EQ(row.owners[0].name, "sshd");
    EXPECT_EQ(parse_nettools_row("unix  2      [ ]         DGRAM                    34693", row),
              RowResult::Skipped);
    EXPECT_EQ(parse_nettools_row("tcp x y 1:1 2:2", row), RowResult::Mismatch);
}

TEST(SsRows, UsersForms) {
    Row row;
    EXPECT_TRUE(parse_ss_users(R"(users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6)))", row));
    EXPECT_EQ(row.owner_count, 2u);
    row = Row{};
    EXPECT_TRUE(parse_ss_users(R"(users:(("java",3001,55)))", row));
    EXPECT_EQ(row.owners[0].pid, 3001);
    row = Row{};
    EXPECT_TRUE(parse_ss_users(R"(users:(("tmux: server",pid=9,fd=3)))", row));
    EXPECT_EQ(row.owners[0].name, "tmux: server");
    row = Row{};
    EXPECT_FALSE(parse_ss_users(R"(users:(("java",pid=,fd=1)))", row));
    EXPECT_FALSE(parse_ss_users(R"(users:(("java)", row));
    ASSERT_EQ(parse_ss_row("UNCONN 0 0 0.0.0.0:68 0.0.0.0:*", false, row), RowResult::Socket);
    EXPECT_EQ(row.socket.protocol, core::Protocol::Udp);
    ASSERT_EQ(parse_ss_row("ESTAB 0 0 10.0.0.1:5 10.0.0.2:53", true, row), RowResult::Socket);
    EXPECT_EQ(row.socket.protocol, core::Protocol::Udp);
    EXPECT_EQ(parse_ss_row("u_str ESTAB 0 0 * 123 * 456", false, row), RowResult::Skipped);
}

TEST(Netsh, BlocksAndErrors) {
    NetshDynamicPortReader r;
    EXPECT_TRUE(r.feed("Protocol udp Dynamic Port Range"));
    EXPECT_TRUE(r.feed("---------------------------------"));
    EXPECT_TRUE(r.feed("Start Port      : 1025"));
    EXPECT_FALSE(r.take_block());
    EXPECT_TRUE(r.feed("Number of Ports : 3976"));
    auto b = r.take_block();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->protocol, core::Protocol::Udp);
    ASSERT_TRUE(b->range);
    EXPECT_EQ(*b->range, (core::PortRange{1025, 5000}));
    EXPECT_TRUE(r.feed("Protocol tcp Dynamic Port Range"));
    EXPECT_TRUE(r.feed("Start Port      : 65000"));
    EXPECT_TRUE(r.feed("Number of Ports : 16384"));
    auto bad = r.take_block();
    ASSERT_TRUE(bad);
    EXPECT_FALSE(bad->range);
    EXPECT_FALSE(r.feed("Start Port      : 49152"));  // no title: not netsh
}

TEST(Timestamps, Forms) {
    using namespace std::chrono;
    auto a = parse_timestamp("2026-11-25T19:52:30Z");
    ASSERT_TRUE(a);
    auto b = parse_timestamp("2026-11-25 20:52:30+01:00");
    ASSERT_TRUE(b);
    EXPECT_EQ(*a, *b);
    auto c = parse_timestamp("2026-11-25T19:52");
    ASSERT_TRUE(c);
    EXPECT_EQ(*a - *c, seconds(30));
    EXPECT_FALSE(parse_timestamp("2026-13-25T19:52:30Z"));
    EXPECT_FALSE(parse_timestamp("yesterday"));
    EXPECT_FALSE(parse_timestamp("2026-11-25T19:52:30 PST"));
}

}  // namespace
}  // namespace portwatch::capture
