#include "render/snapshot_renderer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <vector>

#include "core/socket_query.h"
#include "render/csv_renderer.h"

namespace portwatch::render {
namespace {

core::Snapshot sample() {
    core::Snapshot snap;
    snap.taken_at = std::chrono::system_clock::from_time_t(1764100800);  // 2025-11-25T20:00:00Z
    snap.hostname = "web01";
    snap.netns = 4026531840;
    snap.source = {"netlink", "proc", ""};
    snap.config.ephemeral = core::PortRange{32768, 60999};
    snap.config.range_origin = "net.ipv4.ip_local_port_range";
    core::Socket listen;
    listen.state = core::TcpState::Listen;
    listen.local = {*core::IpAddress::parse("0.0.0.0"), 80, {}};
    listen.remote = {*core::IpAddress::parse("0.0.0.0"), 0, {}};
    listen.owners = {100, 101};
    listen.attribution = core::Attribution::Owned;
    listen.inode = 5000;
    listen.uid = 33;
    listen.binding = core::PortBinding::Explicit;
    core::Socket tw;
    tw.state = core::TcpState::TimeWait;
    tw.local = {*core::IpAddress::parse("::1"), 41000, {}};
    tw.remote = {*core::IpAddress::parse("::1"), 443, {}};
    tw.timer = core::TimerKind::TimeWait;
    tw.expires_ms = 59000;
    tw.binding = core::PortBinding::Auto;
    core::Socket udp;
    udp.protocol = core::Protocol::Udp;
    udp.state = core::TcpState::Close;
    udp.local = {*core::IpAddress::parse("127.0.0.1"), 53, {}};
    udp.remote = {*core::IpAddress::parse("0.0.0.0"), 0, {}};
    udp.owners = {200};
    udp.attribution = core::Attribution::Owned;
    snap.sockets = {listen, tw, udp};
    core::Process nginx;
    nginx.pid = 100;
    nginx.name = "nginx";
    nginx.exe = "/usr/sbin/nginx";
    core::Process worker;
    worker.pid = 101;
    worker.name = "nginx";
    core::Process evil;
    evil.pid = 200;
    evil.name = "evil\n\x1b[31m,\"x\"";
    evil.uid = 0;
    evil.user = "root";
    evil.fd_count = 3;
    evil.fd_limit = 1024;
    snap.processes = {nginx, worker, evil};
    return snap;
}

std::string render(Format format, const core::Snapshot& snap) {
    std::ostringstream out;
    auto selected = core::select(snap, {}, core::SortKey::None);
    make_snapshot_renderer(format)->render(out, snap, selected);
    return out.str();
}

TEST(TableRenderer, LooksLikeNetstatAndIsTerminalSafe) {
    EXPECT_EQ(render(Format::Table, sample()),
              "Proto  Local Address  Foreign Address  State      PID      Process\n"
              "tcp    0.0.0.0:80     0.0.0.0:*        LISTEN     100,101  nginx\n"
              "tcp6   [::1]:41000    [::1]:443        TIME_WAIT  -        -\n"
              "udp    127.0.0.1:53   0.0.0.0:*        UNCONN     200      "
              "evil\\n\\x1b[31m\\x2c\"x\"\n");  // the ',' inside the name is not a separator
}

// The width pass counts plain IPv4 endpoints and pids instead of formatting them: every
// column of a table of varied sockets (IPv4 and IPv6, v4-mapped, port 0, wildcards, names,
// several and capture-local owners) still starts where its header does, and each padded
// column is exactly as wide as its widest cell, the header's included.
void expect_aligned_columns(const std::vector<const char*>& addresses, unsigned seed) {
    core::Snapshot snap;
    std::mt19937 rng(seed);
    auto pick = [&] { return *core::IpAddress::parse(addresses[rng() % addresses.size()]); };
    for (int i = 0; i < 300; ++i) {
        core::Socket s;
        s.protocol = rng() % 4 == 0 ? core::Protocol::Udp : core::Protocol::Tcp;
        s.state = s.protocol == core::Protocol::Udp ? core::TcpState::Close
                                                    : static_cast<core::TcpState>(1 + rng() % 11);
        s.local.address = pick();
        s.local.port = static_cast<std::uint16_t>(rng() % 3 == 0 ? rng() % 10 : rng() % 65536);
        s.remote.address = pick();
        if (s.remote.address.is_v4() != s.local.address.is_v4()) {
            s.remote.address = s.local.address;
        }
        s.remote.port = static_cast<std::uint16_t>(rng() % 4 == 0 ? 0 : rng() % 65536);
        if (!s.local.address.is_v4() && rng() % 50 == 0) {
            s.remote.name = "host.example";
        }
        for (unsigned k = rng() % 4; k > 0; --k) {
            s.owners.push_back(
                static_cast<std::int32_t>(rng() % 3 == 0 ? -1 - rng() % 5 : rng() % 4000000));
        }
        snap.sockets.push_back(s);
    }
    const std::string table = render(Format::Table, snap);
    std::istringstream lines(table);
    std::string header;
    std::getline(lines, header);
    std::vector<std::size_t> starts;
    for (const char* name : {"Local Address", "Foreign Address", "State", "PID", "Process"}) {
        starts.push_back(header.find(name));
        ASSERT_NE(starts.back(), std::string::npos) << name;
    }
    std::vector<bool> tight(starts.size(), false);
    const std::size_t header_ends[] = {5, starts[0] + 13, starts[1] + 15, starts[2] + 5,
                                       starts[3] + 3};
    for (std::size_t c = 0; c < starts.size(); ++c) {
        tight[c] = header_ends[c] + 2 == starts[c];
    }
    std::string line;
    std::size_t rows = 0;
    while (std::getline(lines, line)) {
        ++rows;
        std::size_t cell_end = line.find(' ');
        for (std::size_t c = 0; c < starts.size(); ++c) {
            ASSERT_GT(line.size(), starts[c]) << line;
            ASSERT_NE(line[starts[c]], ' ') << "column " << c << " of: " << line;
            ASSERT_EQ(line.substr(starts[c] - 2, 2), "  ") << "column " << c << " of: " << line;
            ASSERT_LE(cell_end + 2, starts[c]) << line;
            if (cell_end + 2 == starts[c]) {
                tight[c] = true;
            }
            cell_end = line.find(' ', starts[c]);
        }
    }
    EXPECT_EQ(rows, snap.sockets.size());
    EXPECT_EQ(tight, std::vector<bool>(starts.size(), true)) << "seed " << seed;
}

TEST(TableRenderer, ColumnsAlignOverVariedSockets) {
    // IPv4 alone: its widths are counted, none formatted.
    const std::vector<const char*> v4 = {"0.0.0.0",      "10.0.0.1", "192.168.100.200",
                                         "9.99.199.255", "1.2.3.4",  "255.255.255.255"};
    for (unsigned seed = 1; seed <= 20; ++seed) {
        expect_aligned_columns(v4, seed);
    }
    auto all = v4;
    all.insert(all.end(), {"::", "::1", "fe80::1", "::ffff:10.1.2.3", "2001:db8::"});
    expect_aligned_columns(all, 11);
}

TEST(TableRenderer, RecordedMakersAreMarkedExact) {
    auto snap = sample();
    snap.sockets[1].owners = {100};
    snap.sockets[1].attribution = core::Attribution::Recorded;
    auto text = render(Format::Table, snap);
    EXPECT_NE(text.find("TIME_WAIT  100      nginx (exact)\n"), std::string::npos) << text;
    auto json = nlohmann::json::parse(render(Format::Json, snap));
    EXPECT_EQ(json["sockets"][1]["attribution"], "exact");
}

// A process list in one cell: a name holding the separator stays one name, and a name that
// already looks escaped cannot pass for another ("a\x2cb" the text vs "a,b" the name).
TEST(TableRenderer, ProcessListSeparatorCannotBeForged) {
    auto snap = sample();
    snap.sockets.resize(1);  // the listener, owned by pids 100 and 101
    snap.processes[0].name = "a,b";
    snap.processes[1].name = "a\\x2cb";
    std::string table = render(Format::Table, snap);
    EXPECT_NE(table.find("100,101  a\\x2cb,a\\\\x2cb\n"), std::string::npos) << table;
}

TEST(TableRenderer, CaptureHostNamesAreTerminalSafe) {
    auto snap = sample();
    snap.sockets.resize(1);
    snap.sockets[0].remote.name = "evil\x1b]0;pwned\x07:80";
    std::string table = render(Format::Table, snap);
    EXPECT_EQ(table.find('\x1b'), std::string::npos) << table;
    EXPECT_NE(table.find("evil\\x1b]0;pwned\\x07:80"), std::string::npos) << table;
}

// The table writes numeric endpoints itself: every shape reads as endpoint_text() has it.
TEST(TableRenderer, EndpointsReadAsEndpointText) {
    auto snap = sample();
    snap.sockets.resize(1);
    auto base = snap.sockets[0];
    snap.sockets.clear();
    std::vector<std::pair<core::Endpoint, core::Endpoint>> shapes;
    auto at = [](const char* a, std::uint16_t port) {
        return core::Endpoint{*core::IpAddress::parse(a), port};
    };
    shapes.push_back({at("10.0.0.1", 65535), at("0.0.0.0", 0)});
    shapes.push_back({at("fe80::1%14", 22), at("::", 0)});
    shapes.push_back({at("::ffff:10.0.0.2", 443), at("2001:db8::1", 8080)});
    core::Endpoint zoned = at("127.0.0.53", 53);
    zoned.zone = "lo";
    core::Endpoint named = at("0.0.0.0", 0);
    named.name = "server01:https";
    core::Endpoint cut = at("2001:db8:85a3:8d3::", 443);
    cut.cut = true;
    cut.name = "2001:db8:85a3:8d3:1:443";
    shapes.push_back({zoned, named});
    shapes.push_back({cut, at("0.0.0.0", 0)});
    for (const auto& [local, remote] : shapes) {
        auto s = base;
        s.local = local;
        s.remote = remote;
        snap.sockets.push_back(s);
    }
    const std::string table = render(Format::Table, snap);
    for (const auto& [local, remote] : shapes) {
        const std::string want = endpoint_text(local, false);
        EXPECT_NE(table.find(want + " "), std::string::npos) << want << "\n" << table;
        EXPECT_NE(table.find(" " + endpoint_text(remote, true) + " "), std::string::npos)
            << endpoint_text(remote, true) << "\n"
            << table;
    }
}

TEST(CsvRenderer, QuotesAndEscapes) {
    std::string csv = render(Format::Csv, sample());
    std::istringstream lines(csv);
    std::string header, l1, l2, l3, extra;
    std::getline(lines, header);
    std::getline(lines, l1);
    std::getline(lines, l2);
    std::getline(lines, l3);
    EXPECT_FALSE(std::getline(lines, extra));  // the hostile name added no line
    EXPECT_EQ(header.rfind("proto,local_address,local_port,remote_address,remote_port,state,", 0),
              0u);
    EXPECT_EQ(l1,
              "tcp,0.0.0.0,80,0.0.0.0,0,LISTEN,100;101,nginx;nginx,owned,33,5000,0,off,0,0,0,"
              "explicit");
    EXPECT_EQ(l3,
              "udp,127.0.0.1,53,0.0.0.0,0,UNCONN,200,\"evil\\n\\x1b[31m,\"\"x\"\"\",owned,,0,0,"
              "off,0,0,0,unknown");
    EXPECT_EQ(csv_field(" padded"), "\" padded\"");
}

// OWASP CSV injection: a cell a spreadsheet would evaluate gets a leading single quote.
TEST(CsvRenderer, FormulaCellsAreNeutralised) {
    EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
    EXPECT_EQ(csv_field("+1+2"), "\"'+1+2\"");
    EXPECT_EQ(csv_field("-2+3"), "\"'-2+3\"");
    EXPECT_EQ(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
    EXPECT_EQ(csv_cell("\t=1"), "\"'\t=1\"");
    EXPECT_EQ(csv_cell("\r=1"), "\"'\r=1\"");
    EXPECT_EQ(csv_field("\t=1"), "\\t=1");  // terminal_safe wrote the tab as \t: inert
    EXPECT_EQ(csv_field("nginx-worker"), "nginx-worker");  // not at the start: nothing to do
    EXPECT_EQ(csv_field("10.0.0.1"), "10.0.0.1");

    auto snap = sample();
    snap.sockets.resize(1);
    snap.processes[0].name = "=cmd|' /C calc'!A0";
    snap.processes[1].name = "x;y";  // the list separator inside a name
    std::string csv = render(Format::Csv, snap);
    EXPECT_NE(csv.find(",100;101,\"'=cmd|' /C calc'!A0;x\\x3by\",owned,"), std::string::npos)
        << csv;
}

TEST(IsoTime, BeforeAndAfterTheEpoch) {
    using namespace std::chrono;
    EXPECT_EQ(iso_time(sys_days{2025y / 11 / 25} + 20h + 1min + 48s + 129ms),
              "2025-11-25T20:01:48.129Z");
    EXPECT_EQ(iso_time(sys_days{1969y / 12 / 31} + 23h + 59min + 59s + 67ms),
              "1969-12-31T23:59:59.067Z");
    EXPECT_EQ(iso_time(sys_days{1900y / 1 / 1} + 500ms), "1900-01-01T00:00:00.500Z");
}

TEST(JsonRenderer, SchemaFields) {
    auto doc = nlohmann::json::parse(render(Format::Json, sample()));
    EXPECT_EQ(doc["schema"], "portwatch.snapshot/1");
    EXPECT_EQ(doc["taken_at"], "2025-11-25T20:00:00.000Z");
    EXPECT_EQ(doc["hostname"], "web01");
    EXPECT_EQ(doc["netns"]["inode"], 4026531840u);
    EXPECT_EQ(doc["source"]["sockets"], "netlink");
    EXPECT_EQ(doc["ephemeral_range"]["low"], 32768);
    ASSERT_EQ(doc["sockets"].size(), 3u);
    const auto& l = doc["sockets"][0];
    EXPECT_EQ(l["proto"], "tcp");
    EXPECT_EQ(l["family"], "ipv4");
    EXPECT_EQ(l["state"], "LISTEN");
    EXPECT_EQ(l["local"]["address"], "0.0.0.0");
    EXPECT_EQ(l["local"]["port"], 80);
    EXPECT_EQ(l["pids"], nlohmann::json::parse("[100,101]"));
    EXPECT_EQ(l["binding"], "explicit");
    const auto& tw = doc["sockets"][1];
    EXPECT_EQ(tw["family"], "ipv6");
    EXPECT_TRUE(tw["uid"].is_null());
    EXPECT_EQ(tw["timer"], "timewait");
    EXPECT_EQ(tw["expires_ms"], 59000);
    ASSERT_EQ(doc["processes"].size(), 3u);
    EXPECT_EQ(doc["processes"][2]["name"], "evil\n\x1b[31m,\"x\"");
    EXPECT_EQ(doc["processes"][2]["fd_limit"], 1024);
    EXPECT_TRUE(doc["processes"][0]["uid"].is_null());
}

TEST(JsonRenderer, ListsOnlyOwnersOfSelectedSockets) {
    auto snap = sample();
    core::SocketFilter udp_only;
    udp_only.tcp = false;
    std::ostringstream out;
    make_snapshot_renderer(Format::Json)
        ->render(out, snap, core::select(snap, udp_only, core::SortKey::None));
    auto doc = nlohmann::json::parse(out.str());
    ASSERT_EQ(doc["processes"].size(), 1u);
    EXPECT_EQ(doc["processes"][0]["pid"], 200);
}

}  // namespace
}  // namespace portwatch::render
