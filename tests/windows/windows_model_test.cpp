// The pure half of the Windows live source, on Linux: MIB tables (recorded buffers, built by
// tests/fixtures/windows/make_tables.py), event-log records, memory figures, the netsh
// excluded-range parser, and the verdict on an exhausted server's table.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "analyze/report.h"
#include "analyze/windows_evidence.h"
#include "capture/netsh_excluded.h"
#include "collect/windows/event_records.h"
#include "collect/windows/memory_evidence.h"
#include "collect/windows/mib_tables.h"

namespace {

using namespace portwatch;
using namespace portwatch::collect::windows;
using core::TcpState;

std::vector<std::byte> fixture_bytes(const std::string& name) {
    std::ifstream in(std::string(PORTWATCH_SOURCE_DIR) + "/tests/fixtures/windows/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::transform(chars.begin(), chars.end(), bytes.begin(),
                   [](char c) { return static_cast<std::byte>(c); });
    return bytes;
}

std::vector<TableRow> decode(TableKind kind, const std::string& name) {
    auto bytes = fixture_bytes(name);
    auto rows = decode_table(kind, bytes);
    EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().message);
    return rows ? *rows : std::vector<TableRow>{};
}

TEST(WindowsMib, PortsAreNetworkOrderInTheLowWord) {
    // 49152 = 0xC000: the DWORD holds bytes C0 00 00 00, read little-endian as 0x000000C0.
    EXPECT_EQ(port_from_mib(0x000000C0u), 49152);
    EXPECT_EQ(port_from_mib(0x00005000u), 80);      // bytes 00 50
    EXPECT_EQ(port_from_mib(0xFFFF5000u), 80);      // the high word is not part of it
    EXPECT_EQ(port_from_mib(0x0000BD01u), 0x01BD);  // 445
}

TEST(WindowsMib, EveryMibStateMaps) {
    const std::pair<std::uint32_t, TcpState> cases[] = {
        {1, TcpState::Close},    {2, TcpState::Listen},      {3, TcpState::SynSent},
        {4, TcpState::SynRecv},  {5, TcpState::Established}, {6, TcpState::FinWait1},
        {7, TcpState::FinWait2}, {8, TcpState::CloseWait},   {9, TcpState::Closing},
        {10, TcpState::LastAck}, {11, TcpState::TimeWait},   {12, TcpState::Close},
        {0, TcpState::Unknown},  {13, TcpState::Unknown},
    };
    for (auto [mib, state] : cases) {
        EXPECT_EQ(tcp_state_from_mib(mib), state) << mib;
    }
}

TEST(WindowsMib, Tcp6ModuleTableKeepsScopesStatesAndOwners) {
    auto rows = decode(TableKind::Tcp6Module, "small-tcp6-owner-module.bin");
    ASSERT_EQ(rows.size(), 12u);
    // The listener: remote ignored, owned by System (pid 4).
    EXPECT_EQ(rows[0].socket.state, TcpState::Listen);
    EXPECT_EQ(rows[0].socket.local.to_string(), "[::]:445");
    EXPECT_TRUE(rows[0].socket.remote.is_wildcard());
    EXPECT_EQ(rows[0].socket.owners, std::vector<std::int32_t>{4});
    // Link-local with scope id 14 on both ends.
    const auto& ll = rows[1].socket;
    EXPECT_EQ(ll.state, TcpState::Established);
    EXPECT_EQ(ll.local.address.scope_id(), 14u);
    EXPECT_EQ(ll.remote.address.scope_id(), 14u);
    EXPECT_EQ(ll.local.to_string(), "[fe80::20c:29ff:fe12:3456%14]:49700");
    EXPECT_EQ(ll.remote.to_string(), "[fe80::1%14]:445");
    EXPECT_EQ(ll.owners, std::vector<std::int32_t>{1788});
    EXPECT_EQ(ll.attribution, core::Attribution::Owned);
    const TcpState order[] = {TcpState::SynSent,  TcpState::SynRecv,   TcpState::FinWait1,
                              TcpState::FinWait2, TcpState::CloseWait, TcpState::Closing,
                              TcpState::LastAck,  TcpState::TimeWait,  TcpState::Close,
                              TcpState::Close};
    for (std::size_t i = 0; i < std::size(order); ++i) {
        EXPECT_EQ(rows[i + 2].socket.state, order[i]) << i;
    }
    // TIME_WAIT: owning PID 0, no owner.
    EXPECT_TRUE(rows[9].socket.owners.empty());
    EXPECT_EQ(rows[9].pid, 0u);
    EXPECT_EQ(rows[9].socket.local.port, 49707);
    EXPECT_EQ(rows[9].socket.remote.port, 80);
}

TEST(WindowsMib, UdpTablesKeepTheSpecificPortBindFlagAndScopes) {
    auto v4 = decode(TableKind::Udp4Module, "small-udp4-owner-module.bin");
    ASSERT_EQ(v4.size(), 3u);
    EXPECT_EQ(v4[0].socket.protocol, core::Protocol::Udp);
    EXPECT_EQ(v4[0].socket.state, TcpState::Close);
    EXPECT_EQ(v4[0].socket.local.to_string(), "0.0.0.0:53");
    EXPECT_EQ(v4[0].socket.binding, core::PortBinding::Explicit);
    EXPECT_EQ(v4[1].socket.local.port, 61000);
    EXPECT_EQ(v4[1].socket.binding, core::PortBinding::Auto);
    EXPECT_EQ(v4[2].socket.local.to_string(), "127.0.0.1:1900");
    EXPECT_EQ(v4[2].socket.owners, std::vector<std::int32_t>{3120});

    auto v6 = decode(TableKind::Udp6Pid, "small-udp6-owner-pid.bin");
    ASSERT_EQ(v6.size(), 2u);
    EXPECT_EQ(v6[0].socket.local.to_string(), "[fe80::20c:29ff:fe12:3456%14]:546");
    EXPECT_EQ(v6[0].socket.binding, core::PortBinding::Unknown);  // OWNER_PID has no flag
    EXPECT_EQ(v6[1].socket.owners, std::vector<std::int32_t>{2210});
}

TEST(WindowsMib, ATruncatedTableIsAnError) {
    auto bytes = fixture_bytes("small-tcp6-owner-module.bin");
    bytes.resize(bytes.size() - 1);
    auto rows = decode_table(TableKind::Tcp6Module, bytes);
    ASSERT_FALSE(rows.has_value());
    EXPECT_NE(rows.error().message.find("12 rows need 2312 bytes"), std::string::npos)
        << rows.error().message;
    EXPECT_FALSE(decode_table(TableKind::Tcp4Pid, std::span<const std::byte>()).has_value());
}

TEST(WindowsMib, ModulesBecomeServicesOfTheirProcess) {
    std::vector<core::Process> processes(3);
    processes[0].pid = 612;
    processes[0].name = "svchost.exe";
    processes[1].pid = 1788;
    processes[1].name = "";  // not readable: the module names the image
    processes[2].pid = 2288;
    processes[2].name = "w3wp.exe";
    std::vector<ModuleOwner> modules = {
        {612, "RpcSs", ""},
        {612, "RpcEptMapper", ""},
        {612, "RpcSs", ""},
        {1788, "sqlservr.exe", "C:\\Program Files\\SQL\\sqlservr.exe"},
        {2288, "W3WP.EXE", "C:\\Windows\\System32\\inetsrv\\w3wp.exe"},
        {9999, "gone.exe", "C:\\gone.exe"},
    };
    attach_modules(processes, modules);
    EXPECT_EQ(processes[0].services, (std::vector<std::string>{"RpcEptMapper", "RpcSs"}));
    EXPECT_EQ(processes[1].name, "sqlservr.exe");
    EXPECT_EQ(processes[1].exe, "C:\\Program Files\\SQL\\sqlservr.exe");
    EXPECT_TRUE(processes[1].services.empty());
    EXPECT_TRUE(processes[2].services.empty());  // its own image, in other letters
}

// The recorded table of an exhausted Windows 2003 server: w3wp.exe holds 1500 CLOSE_WAIT
// connections to SQL Server and 2476 TIME_WAITs to the same server (PID 0) fill the rest of
// 1025-5000. The seed-style verdict: EXHAUSTED, no port left for TCP, w3wp.exe the culprit.
TEST(WindowsMib, ExhaustedServerTableGivesTheSeedVerdict) {
    auto rows = decode(TableKind::Tcp4Pid, "exhausted-2003-tcp4-owner-pid.bin");
    ASSERT_EQ(rows.size(), 3981u);
    core::Snapshot snap;
    snap.config.platform = core::Platform::Windows;
    snap.config.windows = core::WindowsGeneration::UpTo2003;
    snap.config.windows_origin = "this host runs Windows 5.2.3790";
    snap.config.ephemeral = core::PortRange{1025, 5000};
    snap.config.range_origin = "MaxUserPort in the registry of this host";
    snap.source.sockets = "iphlpapi";
    snap.source.owners = "iphlpapi";
    for (auto& r : rows) {
        snap.sockets.push_back(r.socket);
    }
    for (auto [pid, name] : {std::pair{4, "System"},
                             {612, "svchost.exe"},
                             {1024, "svchost.exe"},
                             {2288, "w3wp.exe"}}) {
        core::Process p;
        p.pid = pid;
        p.name = name;
        snap.processes.push_back(p);
    }
    auto report = analyze::diagnose(snap, nullptr, analyze::Thresholds{});
    EXPECT_EQ(report.verdict, analyze::Severity::Exhausted) << report.summary;
    EXPECT_TRUE(report.summary.starts_with("EXHAUSTED: No port left for TCP")) << report.summary;
    ASSERT_FALSE(report.findings.empty());
    const auto& f = report.findings.front();
    ASSERT_FALSE(f.culprits.empty());
    EXPECT_EQ(f.culprits.front().pid, 2288);
    EXPECT_EQ(f.culprits.front().name, "w3wp.exe");
    EXPECT_EQ(report.time_wait_seconds, 240u);
    EXPECT_NE(f.remedy.find("netsh"), std::string::npos) << f.remedy;
    // TIME_WAITs of PID 0 go to w3wp.exe's destination: attributed by remote endpoint.
    EXPECT_EQ(report.checked.time_wait_inferred, 2476u);
}

std::vector<std::string> fixture_lines(const std::string& name) {
    std::ifstream in(std::string(PORTWATCH_SOURCE_DIR) + "/tests/fixtures/windows/" + name);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::chrono::system_clock::time_point at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    using namespace std::chrono;
    return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

TEST(WindowsEvents, RenderedXmlGivesIdAndTime) {
    auto lines = fixture_lines("system-tcpip-events.xml");
    ASSERT_EQ(lines.size(), 6u);
    auto first = parse_event_xml(lines[0]);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->id, 4227u);
    EXPECT_EQ(first->at, at(2026, 12, 1, 22, 4, 51) + std::chrono::microseconds(508139));
    auto third = parse_event_xml(lines[2]);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id, 4231u);
    EXPECT_EQ(third->at, at(2026, 12, 2, 9, 41, 7));
    auto other = parse_event_xml(lines[4]);
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find("Service Control Manager"), std::string::npos);
    auto timeless = parse_event_xml(lines[5]);
    ASSERT_FALSE(timeless);
    EXPECT_NE(timeless.error().message.find("without a TimeCreated"), std::string::npos);
    EXPECT_FALSE(parse_system_time("2026-13-01T00:00:00Z"));
    EXPECT_FALSE(parse_system_time("2026-12-01 00:00:00"));
}

TEST(WindowsEvents, TheWindowKeepsRecentEventsOldestFirst) {
    std::vector<core::TcpipEvent> events;
    for (const auto& line : fixture_lines("system-tcpip-events.xml")) {
        if (auto e = parse_event_xml(line)) {
            events.push_back(*e);
        }
    }
    ASSERT_EQ(events.size(), 4u);
    const auto now = at(2026, 12, 2, 10, 0, 0);
    auto kept = events_in_window(events, now, 24);
    ASSERT_EQ(kept.size(), 3u);  // the one of 2026-11-28 is outside the last 24 h
    EXPECT_EQ(kept[0].id, 4227u);
    EXPECT_EQ(kept[2].id, 4231u);
    EXPECT_TRUE(
        std::is_sorted(kept.begin(), kept.end(), [](auto& a, auto& b) { return a.at < b.at; }));
    EXPECT_EQ(tcpip_event_query(24),
              L"*[System[Provider[@Name='Tcpip'] and (EventID=4227 or EventID=4231) and "
              L"TimeCreated[timediff(@SystemTime) <= 86400000]]]");

    core::WindowsFacts w;
    w.tcpip_events = kept;
    auto findings = analyze::windows_evidence_findings(w, false, now, analyze::Thresholds{});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].severity, analyze::Severity::Critical);
    EXPECT_EQ(findings[0].mechanism, analyze::Mechanism::LoggedExhaustion);
    EXPECT_NE(findings[0].title.find("Tcpip event 4231 (1 in the last 24 h, last at "
                                     "2026-12-02 09:41:07 UTC, 18 min ago)"),
              std::string::npos)
        << findings[0].title;
    EXPECT_NE(findings[0].evidence[0].find("1 x 4231"), std::string::npos);
    EXPECT_NE(findings[0].evidence[0].find("2 x 4227"), std::string::npos);

    w.tcpip_events = std::vector<core::TcpipEvent>{kept[0]};
    findings = analyze::windows_evidence_findings(w, false, now, analyze::Thresholds{});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].severity, analyze::Severity::Warning);
    EXPECT_NE(findings[0].title.find("4227 once"), std::string::npos) << findings[0].title;

    w.tcpip_events = std::vector<core::TcpipEvent>{};
    EXPECT_TRUE(analyze::windows_evidence_findings(w, false, now, analyze::Thresholds{}).empty());
}

TEST(WindowsMemory, NonPagedPoolNearItsCeilingIsNotPorts) {
    // Recorded GetPerformanceInfo of a 16 GiB server leaking non-paged pool: 11 GiB in pool.
    PerformanceFigures figures{2883584, 4194304, 4096, 3120455};
    core::WindowsFacts w;
    apply_performance_figures(figures, w);
    ASSERT_TRUE(w.nonpaged_pool_bytes);
    EXPECT_EQ(*w.nonpaged_pool_bytes, 11811160064ull);
    EXPECT_EQ(*w.physical_memory_bytes, 17179869184ull);
    EXPECT_EQ(*w.handle_count, 3120455u);
    w.top_handles = top_handle_holders({{4, "System", 4211},
                                        {3312, "backupagent.exe", 2810337},
                                        {612, "svchost.exe", 1450},
                                        {2288, "w3wp.exe", 0},
                                        {880, "lsass.exe", 1450}},
                                       3);
    ASSERT_EQ(w.top_handles.size(), 3u);
    EXPECT_EQ(w.top_handles[0].name, "backupagent.exe");
    EXPECT_EQ(w.top_handles[1].pid, 4);
    EXPECT_EQ(w.top_handles[2].pid, 612);  // ties: lower pid first

    auto findings = analyze::windows_evidence_findings(w, false, {}, analyze::Thresholds{});
    ASSERT_EQ(findings.size(), 1u);
    const auto& f = findings[0];
    EXPECT_EQ(f.mechanism, analyze::Mechanism::NonPagedPool);
    EXPECT_EQ(f.severity, analyze::Severity::Critical);  // 11264 of 12288 MiB: 92%
    EXPECT_TRUE(f.title.starts_with("Not ports: memory. non-paged pool is 11264 MiB, 92%"))
        << f.title;
    ASSERT_FALSE(f.culprits.empty());
    EXPECT_EQ(f.culprits[0].name, "backupagent.exe");
    EXPECT_EQ(f.culprits[0].file_descriptors, 2810337u);
    // With port findings as well it is "also memory".
    auto also = analyze::windows_evidence_findings(w, true, {}, analyze::Thresholds{});
    EXPECT_TRUE(also[0].title.starts_with("Also memory:")) << also[0].title;

    // A healthy server: 300 MiB of 16 GiB.
    core::WindowsFacts healthy;
    apply_performance_figures({76800, 4194304, 4096, 90000}, healthy);
    EXPECT_TRUE(
        analyze::windows_evidence_findings(healthy, false, {}, analyze::Thresholds{}).empty());
    // A failed call (page size 0) sets nothing.
    core::WindowsFacts failed;
    apply_performance_figures({}, failed);
    EXPECT_FALSE(failed.nonpaged_pool_bytes);
}

TEST(NetshExcluded, RowsAfterTheDashesAreRanges) {
    const char* text =
        "\r\nProtocol tcp Port Exclusion Ranges\r\n\r\nStart Port    End Port\r\n"
        "----------    --------\r\n      5357        5357\r\n     50000       50059     *\r\n"
        "     61000       61999\r\n\r\n* - Administered port exclusions.\r\n\r\n";
    auto r = capture::parse_netsh_excluded(text);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->ranges.size(), 3u);
    EXPECT_EQ(r->ranges[0], (core::PortRange{5357, 5357}));
    EXPECT_EQ(r->ranges[1], (core::PortRange{50000, 50059}));
    EXPECT_EQ(r->ranges[2], (core::PortRange{61000, 61999}));
    EXPECT_EQ(r->administered, 1u);

    // German, no rows: an empty list, not an error.
    auto none = capture::parse_netsh_excluded(
        "Protokoll tcp Portausschlussbereiche\n\nStartport    Endport\n----------    --------\n\n"
        "* - Verwaltete Portausschlüsse.\n");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->ranges.empty());

    auto failed = capture::parse_netsh_excluded("The following command was not found: int.\n");
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("The following command was not found"),
              std::string::npos);
    EXPECT_FALSE(capture::parse_netsh_excluded("----\n 70000 70010\n"));
}

}  // namespace
