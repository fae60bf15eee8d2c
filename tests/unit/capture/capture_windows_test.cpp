// portwatch's own Windows fixtures (tests/fixtures/capture/generate.py writes them).
#include <gtest/gtest.h>

#include "capture/host_defaults.h"
#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

using core::TcpState;

const core::Socket* find_local_port(const core::Snapshot& s, std::uint16_t port) {
    for (const auto& socket : s.sockets) {
        if (socket.local.port == port) {
            return &socket;
        }
    }
    return nullptr;
}

TEST(WindowsCaptures, GermanAnobqUtf16WithNetsh) {
    auto c = read_fixture("capture/windows-de-anobq-utf16le.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->encoding, Encoding::Utf16Le);
    ASSERT_EQ(c->snapshots.size(), 1u);
    const auto& s = c->snapshots[0].snapshot;
    // 9 listeners, 3700 WARTEND, 420 SCHLIESSEN_WARTEN, 60 BOUND, 24 + 1 HERGESTELLT,
    // SYN_GESENDET, FIN_WARTEN_2, 2 IPv6 listeners, 4 UDP.
    EXPECT_EQ(s.sockets.size(), 4222u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 3700u);
    EXPECT_EQ(count_state(s, TcpState::CloseWait), 420u);
    EXPECT_EQ(count_state(s, TcpState::Bound), 60u);
    EXPECT_EQ(count_state(s, TcpState::Listen), 11u);
    EXPECT_EQ(count_state(s, TcpState::Established), 25u + 1u);  // + connected UDP
    EXPECT_EQ(count_state(s, TcpState::SynSent), 1u);
    EXPECT_EQ(count_state(s, TcpState::FinWait2), 1u);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    EXPECT_EQ(s.config.platform, core::Platform::Windows);

    const auto* java = s.find_process(2288);
    ASSERT_NE(java, nullptr);
    EXPECT_EQ(java->name, "javaw.exe");
    const auto* w3wp = s.find_process(5120);
    ASSERT_NE(w3wp, nullptr);
    EXPECT_EQ(w3wp->name, "w3wp.exe");
    EXPECT_EQ(w3wp->services, std::vector<std::string>{"W3SVC"});
    const auto* rpc = s.find_process(1012);
    ASSERT_NE(rpc, nullptr);
    EXPECT_EQ(rpc->name, "svchost.exe");
    EXPECT_EQ(rpc->services, std::vector<std::string>{"RpcSs"});
    // PID 4 is Windows' System process; the exited owner shown as [System] gets no name.
    ASSERT_NE(s.find_process(4), nullptr);
    EXPECT_EQ(s.find_process(4)->name, "System");
    ASSERT_NE(s.find_process(24972), nullptr);
    EXPECT_TRUE(s.find_process(24972)->name.empty());
    EXPECT_TRUE(has_warning(s, "[System] for a PID other than 4"));
    EXPECT_TRUE(has_warning(s, "could not name the owner"));
    // TIME_WAIT rows have PID 0: no owner, attribution left to the engine.
    for (const auto& socket : s.sockets) {
        if (socket.state == TcpState::TimeWait) {
            EXPECT_TRUE(socket.owners.empty());
            EXPECT_EQ(socket.attribution, core::Attribution::Unknown);
        }
    }
    // The netsh block appended to the same file.
    ASSERT_EQ(c->netsh.size(), 1u);
    EXPECT_EQ(c->netsh[0].range, (core::PortRange{61000, 65535}));
    apply_host_config(*c, {}, c->netsh, c->name);
    EXPECT_EQ(s.config.ephemeral, (core::PortRange{61000, 65535}));
    EXPECT_NE(s.config.range_origin.find("netsh"), std::string::npos);
}

TEST(WindowsCaptures, EnglishAnobqOwnersServicesAndQuirks) {
    auto c = read_fixture("capture/windows-en-anobq.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 16u);
    EXPECT_EQ(c->stats.unrecognised, 0u);
    EXPECT_EQ(count_state(s, TcpState::Bound), 2u);
    EXPECT_FALSE(has_warning(s, "no BOUND rows"));
    const auto* svc = s.find_process(9876);
    ASSERT_NE(svc, nullptr);
    EXPECT_EQ(svc->name, "svchost.exe");
    EXPECT_EQ(svc->services, std::vector<std::string>{"CDPUserSvc_46a8de2e"});
    const auto* quic = find_local_port(s, 54178);
    ASSERT_NE(quic, nullptr);
    EXPECT_EQ(quic->protocol, core::Protocol::Udp);
    EXPECT_EQ(quic->state, TcpState::Established);  // connected UDP
    EXPECT_EQ(quic->remote.port, 443);
    const auto* ssdp = find_local_port(s, 1900);
    ASSERT_NE(ssdp, nullptr);
    EXPECT_EQ(ssdp->local.address.scope_id(), 14u);
    EXPECT_EQ(ssdp->state, TcpState::Close);
    const auto* overflow = find_local_port(s, 2553);  // the row pushed right by a long address
    ASSERT_NE(overflow, nullptr);
    EXPECT_EQ(overflow->owners, std::vector<std::int32_t>{5492});
    EXPECT_TRUE(has_warning(s, "2 sockets show [System]"));
    ASSERT_NE(s.find_process(24972), nullptr);
    EXPECT_TRUE(s.find_process(24972)->name.empty());
}

TEST(WindowsCaptures, FindstrRowsWithoutHeader) {
    auto c = read_fixture("capture/windows-en-ano-findstr.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    EXPECT_EQ(s.sockets.size(), 5u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 2u);
    EXPECT_EQ(s.config.platform, core::Platform::Windows);
}

TEST(WindowsCaptures, NamesAreKeptAndReported) {
    auto c = read_fixture("capture/windows-en-a-names.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 5u);
    EXPECT_TRUE(has_warning(s, "4 rows print host or service names"));
    EXPECT_EQ(s.sockets[2].remote.name, "40.67.251.132:https");
    EXPECT_EQ(s.sockets[2].local.port, 52100);
    EXPECT_EQ(s.sockets[1].remote.name, "api:1032");
    EXPECT_EQ(s.sockets[1].remote.port, 1032);
}

TEST(WindowsCaptures, GermanCp850) {
    auto c = read_fixture("capture/windows-de-an-cp850.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 7u);
    EXPECT_EQ(s.sockets[0].state, TcpState::Listen);  // ABH\x99REN
    EXPECT_EQ(s.sockets[1].state, TcpState::TimeWait);
    EXPECT_EQ(s.sockets[2].state, TcpState::CloseWait);
    EXPECT_EQ(s.sockets[3].state, TcpState::Established);
    EXPECT_EQ(s.sockets[4].state, TcpState::FinWait2);
    EXPECT_EQ(s.sockets[5].state, TcpState::SynSent);
    EXPECT_EQ(c->stats.transcoded, 1u);
    EXPECT_EQ(c->stats.unrecognised, 0u);
}

TEST(WindowsCaptures, OtherLanguagesAndEncodings) {
    struct Case {
        const char* file;
        std::size_t sockets;
        std::size_t listen;
        std::size_t established;
        Encoding encoding;
    };
    for (const auto& k : {Case{"capture/windows-fr-anob-utf8bom.txt", 5, 1, 1, Encoding::Utf8Bom},
                          Case{"capture/windows-es-ano.txt", 5, 1, 1, Encoding::Utf8},
                          Case{"capture/windows-it-ano.txt", 4, 1, 1, Encoding::Utf8},
                          Case{"capture/windows-pt-ano-utf16be.txt", 4, 1, 1, Encoding::Utf16Be}}) {
        SCOPED_TRACE(k.file);
        auto c = read_fixture(k.file);
        ASSERT_TRUE(c) << c.error().message;
        const auto& s = c->snapshots.at(0).snapshot;
        EXPECT_EQ(c->encoding, k.encoding);
        EXPECT_EQ(s.sockets.size(), k.sockets);
        EXPECT_EQ(count_state(s, TcpState::Listen), k.listen);
        EXPECT_EQ(count_state(s, TcpState::Established), k.established);
        EXPECT_EQ(count_state(s, TcpState::TimeWait), 1u);
        EXPECT_EQ(c->stats.unrecognised, 0u);
        for (const auto& w : s.warnings) {
            EXPECT_EQ(w.message.find("state word"), std::string::npos) << w.message;
        }
    }
}

TEST(WindowsCaptures, XpComponentChains) {
    auto c = read_fixture("capture/windows-2003-anbv.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 4u);
    EXPECT_TRUE(c->xp_component_chains);
    ASSERT_NE(s.find_process(988), nullptr);
    EXPECT_EQ(s.find_process(988)->name, "svchost.exe");
    EXPECT_TRUE(s.find_process(988)->services.empty());  // DLL paths are not services
    EXPECT_EQ(s.find_process(2044)->name, "w3wp.exe");
    EXPECT_EQ(s.find_process(4)->name, "System");
    apply_host_config(*c, {}, c->netsh, c->name);
    EXPECT_EQ(s.config.ephemeral, (core::PortRange{1025, 5000}));
    EXPECT_NE(s.config.range_origin.find("XP/2003"), std::string::npos);
}

TEST(WindowsCaptures, ElevationRefusalIsAClearError) {
    auto c = read_fixture("capture/windows-anob-not-elevated.txt");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("windows-anob-not-elevated.txt:1"), std::string::npos);
    EXPECT_NE(c.error().message.find("Run as administrator"), std::string::npos);
}

TEST(WindowsCaptures, NetshAlone) {
    auto c = read_fixture("capture/netsh-dynamicport-tcp.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->snapshots.empty());
    ASSERT_EQ(c->netsh.size(), 1u);
    EXPECT_EQ(c->netsh[0].range, (core::PortRange{49152, 65535}));
    EXPECT_EQ(c->netsh[0].protocol, core::Protocol::Tcp);
}

TEST(WindowsCaptures, PowerShellCsvTableAndUdp) {
    auto csv = read_fixture("capture/powershell-get-nettcpconnection.csv");
    ASSERT_TRUE(csv) << csv.error().message;
    const auto& s = csv->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 7u);
    EXPECT_EQ(count_state(s, TcpState::Bound), 2u);
    EXPECT_EQ(count_state(s, TcpState::TimeWait), 2u);
    EXPECT_EQ(s.sockets[0].owners, std::vector<std::int32_t>{4120});
    EXPECT_TRUE(s.sockets[1].owners.empty());
    EXPECT_EQ(s.sockets[6].local.address.scope_id(), 12u);
    EXPECT_EQ(s.config.platform, core::Platform::Windows);
    EXPECT_EQ(csv->stats.unrecognised, 0u);

    auto table = read_fixture("capture/powershell-get-nettcpconnection-table.txt");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(table->encoding, Encoding::Utf16Le);
    const auto& t = table->snapshots.at(0).snapshot;
    ASSERT_EQ(t.sockets.size(), 7u);
    EXPECT_EQ(count_state(t, TcpState::Bound), 2u);
    EXPECT_EQ(t.sockets[3].owners, std::vector<std::int32_t>{4120});
    EXPECT_EQ(table->stats.unrecognised, 0u);

    auto udp = read_fixture("capture/powershell-get-netudpendpoint.csv");
    ASSERT_TRUE(udp) << udp.error().message;
    const auto& u = udp->snapshots.at(0).snapshot;
    ASSERT_EQ(u.sockets.size(), 3u);
    EXPECT_EQ(u.sockets[1].protocol, core::Protocol::Udp);
    EXPECT_EQ(u.sockets[1].owners, std::vector<std::int32_t>{5120});
}

TEST(WindowsCaptures, Tcpvcon) {
    auto c = read_fixture("capture/tcpvcon-a-c-n.csv");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 6u);
    EXPECT_TRUE(has_warning(s, "no port numbers"));
    EXPECT_EQ(s.find_process(13116)->name, "firefox.exe");
    EXPECT_TRUE(s.sockets[3].owners.empty());  // PID 0
    EXPECT_EQ(s.sockets[5].family(), core::Family::Ipv6);

    auto p = read_fixture("capture/tcpvcon-a-c-n-ports.csv");
    ASSERT_TRUE(p) << p.error().message;
    const auto& ps = p->snapshots.at(0).snapshot;
    ASSERT_EQ(ps.sockets.size(), 3u);
    EXPECT_FALSE(has_warning(ps, "no port numbers"));
    EXPECT_EQ(ps.sockets[1].state, TcpState::CloseWait);
    EXPECT_EQ(ps.sockets[1].local.port, 50124);
}

TEST(WindowsCaptures, TrendFileSplitsIntoTimedSnapshots) {
    auto c = read_fixture("capture/windows-ano-trend.txt");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->snapshots.size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
        const auto& cs = c->snapshots[k];
        ASSERT_TRUE(cs.taken_at.has_value());
        EXPECT_EQ(count_state(cs.snapshot, TcpState::CloseWait), 200u + 300u * k);
        EXPECT_EQ(cs.snapshot.sockets.size(), 1u + 200u + 300u * k + 50u);
    }
    EXPECT_EQ(*c->snapshots[1].taken_at - *c->snapshots[0].taken_at, std::chrono::minutes(10));
}

// -anb without -o: the [exe] line after a row names its owner (issue #7 class 7d).
TEST(WindowsCaptures, AnbWithoutPidColumnOwnsByPosition) {
    auto c = parse_capture_text(
        "\r\nActive Connections\r\n\r\n"
        "  Proto  Local Address          Foreign Address        State\r\n"
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING\r\n"
        "  RpcSs\r\n"
        " [svchost.exe]\r\n",
        "anb.txt");
    ASSERT_TRUE(c) << c.error().message;
    const auto& s = c->snapshots.at(0).snapshot;
    ASSERT_EQ(s.sockets.size(), 1u);
    ASSERT_EQ(s.processes.size(), 1u);
    EXPECT_EQ(s.processes[0].name, "svchost.exe");
    EXPECT_EQ(s.processes[0].services, std::vector<std::string>{"RpcSs"});
    EXPECT_EQ(s.sockets[0].owners, std::vector<std::int32_t>{s.processes[0].pid});
    EXPECT_TRUE(has_warning(s, "no PID column (netstat -ab without -o)"));
}

TEST(WindowsCaptures, RepeatedTitlesSplitSnapshots) {
    std::string one =
        "\r\nActive Connections\r\n\r\n"
        "  Proto  Local Address          Foreign Address        State           PID\r\n"
        "  TCP    10.0.0.1:50000         10.0.0.2:443           ESTABLISHED     42\r\n";
    auto c = parse_capture_text(one + one + one, "loop.txt");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->snapshots.size(), 3u);
    EXPECT_EQ(c->snapshots[2].first_line, 15u);  // its first socket row
    for (const auto& cs : c->snapshots) {
        EXPECT_EQ(cs.snapshot.sockets.size(), 1u);
        EXPECT_FALSE(cs.taken_at);
    }
}

}  // namespace
}  // namespace portwatch::capture::test
