// Class 6 of issue #7: the range a capture was taken with, inferred from its outbound ports.
#include "capture/range_inference.h"

#include <gtest/gtest.h>

#include "capture/host_defaults.h"
#include "fixture_path.h"

namespace portwatch::capture::test {
namespace {

using core::PortRange;
using core::TcpState;

core::Socket tcp(const char* local, std::uint16_t lport, const char* remote, std::uint16_t rport,
                 TcpState state) {
    core::Socket s;
    s.state = state;
    s.local = {*core::IpAddress::parse(local), lport};
    s.remote = {*core::IpAddress::parse(remote), rport};
    return s;
}

// `n` client connections from ports low, low+step, ... to one server.
void clients(core::Snapshot& s, std::uint16_t low, std::uint32_t n, std::uint16_t step = 1) {
    for (std::uint32_t i = 0; i < n; ++i) {
        s.sockets.push_back(tcp("10.0.0.5", static_cast<std::uint16_t>(low + i * step), "10.0.0.9",
                                443, TcpState::TimeWait));
    }
}

std::optional<core::RangeInference> check(const core::Snapshot& s, PortRange assumed,
                                          core::Platform platform) {
    OutboundPorts ports;
    ports.add(s);
    return check_range(ports, assumed, "the default", platform);
}

const PortRange kVista{49152, 65535};
const PortRange kLinux{32768, 60999};

TEST(RangeInference, OldWindowsRangeSnapsTo1025To5000) {
    core::Snapshot s;
    clients(s, 1100, 300, 12);  // 1100 ... 4688
    auto r = check(s, kVista, core::Platform::Windows);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->ports_seen, 300u);
    EXPECT_EQ(r->outside, 300u);
    EXPECT_EQ(r->inferred, (PortRange{1025, 5000}));
    EXPECT_NE(r->known_name.find("XP/2003"), std::string::npos);
}

TEST(RangeInference, CustomLinuxRangeIsTheSpanSeen) {
    core::Snapshot s;
    clients(s, 20000, 2000, 5);  // 20000 ... 29995
    auto r = check(s, kLinux, core::Platform::Linux);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->known_name.empty());
    EXPECT_EQ(r->inferred, (PortRange{20000, 29995}));
}

TEST(RangeInference, WideLinuxRangeSnapsToAKnownOne) {
    core::Snapshot s;
    clients(s, 1100, 600, 100);  // 1100 ... 61000: a 1024-65535 host
    auto r = check(s, kLinux, core::Platform::Linux);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->inferred.low, 1024);
    EXPECT_GE(r->inferred.high, 65000);
}

TEST(RangeInference, AFewExplicitPortsAreNotARange) {
    core::Snapshot s;
    clients(s, 49200, 200, 20);
    clients(s, 2000, 7, 100);  // seven explicit binds outside
    EXPECT_FALSE(check(s, kVista, core::Platform::Windows));
}

TEST(RangeInference, AnOutlierDoesNotStretchTheRange) {
    core::Snapshot s;
    clients(s, 1100, 300, 12);
    s.sockets.push_back(tcp("10.0.0.5", 20000, "10.0.0.9", 443, TcpState::Established));
    auto r = check(s, kVista, core::Platform::Windows);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->seen.high, 4688);
    EXPECT_EQ(r->inferred, (PortRange{1025, 5000}));
}

// Listeners and the server side of connections are not outbound ports.
TEST(RangeInference, ServerPortsDoNotFoolIt) {
    core::Snapshot s;
    clients(s, 33000, 40, 100);
    for (std::uint16_t port = 2000; port < 2050; ++port) {
        s.sockets.push_back(tcp("0.0.0.0", port, "0.0.0.0", 0, TcpState::Listen));
        for (std::uint16_t k = 0; k < 3; ++k) {
            s.sockets.push_back(tcp("10.0.0.5", port, "10.0.1.1",
                                    static_cast<std::uint16_t>(40000 + port * 3 + k),
                                    TcpState::Established));
        }
    }
    // A server whose listener the capture does not show (ss -tn): many peers' high ports.
    for (std::uint16_t port = 8000; port < 8020; ++port) {
        for (std::uint16_t k = 0; k < 5; ++k) {
            s.sockets.push_back(tcp("10.0.0.5", port, "10.0.2.1",
                                    static_cast<std::uint16_t>(50000 + port + k * 100),
                                    TcpState::Established));
        }
    }
    // Well-known ports and SYN_RECV (the server side of a handshake).
    for (std::uint16_t port = 100; port < 140; ++port) {
        s.sockets.push_back(tcp("10.0.0.5", port, "10.0.3.1", 50000, TcpState::Established));
        s.sockets.push_back(tcp("10.0.0.5", static_cast<std::uint16_t>(port + 3000), "10.0.3.1",
                                50000, TcpState::SynRecv));
    }
    OutboundPorts ports;
    ports.add(s);
    EXPECT_EQ(ports.count(), 40u);
    EXPECT_FALSE(check_range(ports, kLinux, "x", core::Platform::Linux));
}

TEST(RangeInference, TooFewPortsToTell) {
    core::Snapshot s;
    clients(s, 1100, 7);
    EXPECT_FALSE(check(s, kVista, core::Platform::Windows));
}

// The fixtures, through apply_host_config: the origin says where the range came from.
TEST(RangeInference, Windows2003FixtureJudgedBy1025To5000) {
    auto c = read_fixture("capture/windows-2003-ano-1025-5000.txt");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->stats.unrecognised, 0u);
    apply_host_config(*c, {}, c->netsh, c->name);
    const auto& config = c->snapshots.at(0).snapshot.config;
    EXPECT_EQ(config.range_source, core::RangeSource::Inferred);
    EXPECT_EQ(config.ephemeral, (PortRange{1025, 5000}));
    ASSERT_TRUE(config.range_inference);
    EXPECT_EQ(config.range_inference->assumed, kVista);
    EXPECT_GT(config.range_inference->ports_seen, 3600u);
    EXPECT_NE(config.range_origin.find("inferred from the"), std::string::npos);
    EXPECT_NE(config.range_note.find("do not fit"), std::string::npos);
}

TEST(RangeInference, LinuxCustomRangeFixture) {
    auto c = read_fixture("capture/linux-ss-custom-range.txt");
    ASSERT_TRUE(c) << c.error().message;
    apply_host_config(*c, {}, c->netsh, c->name);
    const auto& config = c->snapshots.at(0).snapshot.config;
    EXPECT_EQ(config.range_source, core::RangeSource::Inferred);
    ASSERT_TRUE(config.ephemeral);
    EXPECT_GE(config.ephemeral->low, 20000);
    EXPECT_LE(config.ephemeral->low, 20010);
    EXPECT_GE(config.ephemeral->high, 29990);
    EXPECT_LE(config.ephemeral->high, 29999);
    EXPECT_NE(config.range_origin.find("at least"), std::string::npos);
}

// --range, --os and netsh: the given range wins over the ports (with a warning), --os does not.
TEST(RangeInference, WhatBeatsIt) {
    auto c = read_fixture("capture/windows-2003-ano-1025-5000.txt");
    ASSERT_TRUE(c);
    auto& snap = c->snapshots.at(0).snapshot;
    apply_host_config(*c, {PortRange{49152, 65535}, std::nullopt}, {}, "");
    EXPECT_EQ(snap.config.range_source, core::RangeSource::Option);
    EXPECT_EQ(snap.config.ephemeral, kVista);
    EXPECT_TRUE(snap.config.range_inference);
    EXPECT_TRUE(snap.config.range_note.empty());
    EXPECT_TRUE(has_warning(snap, "the capture was probably taken with another range"));

    std::vector<NetshRange> netsh{{core::Protocol::Tcp, {50000, 59999}, 3}};
    apply_host_config(*c, {}, netsh, "netsh.txt");
    EXPECT_EQ(snap.config.range_source, core::RangeSource::Netsh);
    EXPECT_EQ(snap.config.ephemeral, (PortRange{50000, 59999}));

    apply_host_config(*c, {std::nullopt, OsPreset::VistaPlus}, {}, "");
    EXPECT_EQ(snap.config.range_source, core::RangeSource::Inferred);
    EXPECT_EQ(snap.config.ephemeral, (PortRange{1025, 5000}));

    apply_host_config(*c, {std::nullopt, OsPreset::Xp}, {}, "");
    EXPECT_EQ(snap.config.range_source, core::RangeSource::Os);
    EXPECT_FALSE(snap.config.range_inference);
}

}  // namespace
}  // namespace portwatch::capture::test
