#include "analyze/pool_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "analyze/addr_key.h"
#include "snapshot_builder.h"

namespace portwatch::analyze {
namespace {

using core::TcpState;
using test::ep;

PoolModel model_of(core::Snapshot& snap, Thresholds t = {}) {
    auto owners = EffectiveOwners::build(snap);
    return build_pools(snap, owners, t);
}

const Pool* find(const PoolModel& m, PoolKind kind, const std::string& remote = "",
                 const std::string& local = "") {
    for (const auto& p : m.pools) {
        if (p.key.kind != kind)
            continue;
        if (!remote.empty() && p.key.remote.to_string() != remote)
            continue;
        if (kind != PoolKind::TcpConnect &&
            p.key.local.to_string() != (local.empty() ? "0.0.0.0" : local))
            continue;
        return &p;
    }
    return nullptr;
}

TEST(PoolModel, ConnectPoolsArePerDestination) {
    test::SnapshotBuilder b(40000, 40099);  // 100 ports
    for (std::uint16_t i = 0; i < 80; ++i) {
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i), ep("10.0.0.9", 443), 5);
    }
    // The same ports towards another destination: allowed, a separate pool.
    for (std::uint16_t i = 0; i < 10; ++i) {
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i), ep("10.0.0.8", 443), 5);
    }
    auto m = model_of(b.snapshot());
    const Pool* hot = find(m, PoolKind::TcpConnect, "10.0.0.9:443");
    const Pool* cold = find(m, PoolKind::TcpConnect, "10.0.0.8:443");
    ASSERT_TRUE(hot && cold);
    EXPECT_EQ(hot->size, 100u);
    EXPECT_EQ(hot->occupied, 80u);
    EXPECT_EQ(hot->free, 20u);
    EXPECT_EQ(hot->severity, Severity::Warning);
    EXPECT_EQ(cold->free, 90u);
    EXPECT_EQ(cold->severity, Severity::Ok);
    EXPECT_EQ(m.pools.front().key.remote.to_string(), "10.0.0.9:443");  // worst first
}

// A capture may have a pool per socket: owners and destinations are kept for the worst
// Thresholds::detailed_pools only, the ones every reader looks at. Pools are built in order of
// destination, so the worse ones built later displace the first ones kept.
TEST(PoolModel, OwnersAreKeptForTheWorstPoolsOnly) {
    test::SnapshotBuilder b(40000, 40099);  // 100 ports
    const std::uint16_t counts[] = {1, 3, 10, 50, 50, 80};
    for (int k = 0; k < 6; ++k) {
        b.process(100 + k, "client" + std::to_string(k));
        for (std::uint16_t i = 0; i < counts[k]; ++i) {
            b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i),
                  ep("10.0.1." + std::to_string(k + 1), 443), 100 + k);
        }
    }
    auto all = model_of(b.snapshot());
    // 6 destinations; TCP's wildcard and 10.0.0.1 local pools; UDP's wildcard pool (empty).
    ASSERT_EQ(all.pools.size(), 9u);
    for (const auto& p : all.pools) {
        EXPECT_TRUE(p.detailed);
        EXPECT_EQ(p.owners.empty(), p.sockets == 0);
    }

    Thresholds t;
    t.detailed_pools = 3;
    auto m = model_of(b.snapshot(), t);
    ASSERT_EQ(m.pools.size(), all.pools.size());
    for (std::size_t i = 0; i < m.pools.size(); ++i) {
        const auto& p = m.pools[i];
        // The same pools in the same order, their numbers untouched.
        EXPECT_EQ(p.key.remote.to_string(), all.pools[i].key.remote.to_string()) << i;
        EXPECT_EQ(p.free, all.pools[i].free) << i;
        EXPECT_EQ(p.detailed, i < 3) << i;
        if (i < 3) {
            ASSERT_EQ(p.owners.size(), all.pools[i].owners.size()) << i;
            EXPECT_EQ(p.owners.front().pid, all.pools[i].owners.front().pid) << i;
            EXPECT_EQ(p.destinations.size(), all.pools[i].destinations.size()) << i;
        } else {
            EXPECT_TRUE(p.owners.empty()) << i;
            EXPECT_TRUE(p.destinations.empty()) << i;
        }
    }
    const Pool* hot = find(m, PoolKind::TcpConnect, "10.0.1.6:443");
    ASSERT_TRUE(hot);
    EXPECT_EQ(hot->severity, Severity::Warning);
    EXPECT_TRUE(hot->detailed);
    EXPECT_EQ(hot->owners.front().name, "client5");
    const Pool* cold = find(m, PoolKind::TcpConnect, "10.0.1.1:443");  // kept first, displaced
    ASSERT_TRUE(cold);
    EXPECT_FALSE(cold->detailed);

    t.detailed_pools = 0;
    for (const auto& p : model_of(b.snapshot(), t).pools) {
        EXPECT_FALSE(p.detailed);
        EXPECT_TRUE(p.owners.empty());
    }
}

// A local pool's destinations: IPv4, v4-mapped IPv6 (the same destination), IPv6 and loopback
// IPv6, counted per endpoint whatever the mix.
TEST(PoolModel, LocalPoolDestinationsFoldV4MappedAndCountIpv6) {
    test::SnapshotBuilder b(40000, 40099);
    std::uint16_t port = 40000;
    auto add = [&](const std::string& local, const std::string& remote, int n) {
        for (int i = 0; i < n; ++i) {
            b.tcp(TcpState::Established, ep(local, port++), ep(remote, 443), 7);
        }
    };
    add("10.0.0.1", "10.0.0.9", 3);
    add("::ffff:10.0.0.1", "::ffff:10.0.0.9", 2);
    add("2001:db8::2", "2001:db8::1", 4);
    add("::1", "::1", 1);
    add("10.0.0.1", "10.0.0.8", 1);
    auto m = model_of(b.snapshot());
    const Pool* wild = find(m, PoolKind::TcpLocal);
    ASSERT_TRUE(wild);
    std::map<std::string, std::uint32_t> got;
    for (const auto& d : wild->destinations) {
        got[d.remote.to_string()] = d.sockets;
    }
    EXPECT_EQ(
        got,
        (std::map<std::string, std::uint32_t>{
            {"10.0.0.9:443", 5}, {"[2001:db8::1]:443", 4}, {"[::1]:443", 1}, {"10.0.0.8:443", 1}}));
    EXPECT_EQ(wild->destinations.front().remote.to_string(), "10.0.0.9:443");
}

// The fast sort orders exactly as one sort by full key would: IPv4, v4-mapped IPv6 (the same
// keys), other IPv6 below and above the v4-mapped block, duplicates broken by index.
TEST(PoolModel, SortByKeyMatchesAFullKeySort) {
    std::vector<core::IpAddress> addresses;
    for (const char* a : {"10.0.0.1", "10.0.0.2", "::ffff:10.0.0.1", "::ffff:10.0.0.3", "::1",
                          "2001:db8::1", "fe80::1%2", "0.0.0.1", "255.255.255.255"}) {
        addresses.push_back(*core::IpAddress::parse(a));
    }
    std::vector<core::IpAddress> at;
    std::uint32_t seed = 12345;
    for (int i = 0; i < 2000; ++i) {
        seed = seed * 1103515245u + 12345u;
        at.push_back(addresses[(seed >> 16) % addresses.size()]);
    }
    std::vector<std::uint32_t> fast(at.size());
    for (std::uint32_t i = 0; i < fast.size(); ++i) {
        fast[i] = i;
    }
    auto plain = fast;
    auto full = [&](std::uint32_t i) { return detail::addr_key(at[i]); };
    std::sort(plain.begin(), plain.end(), [&](std::uint32_t a, std::uint32_t b) {
        return std::make_pair(full(a), a) < std::make_pair(full(b), b);
    });
    detail::sort_by_key<std::uint32_t>(
        fast, full, [&](std::uint32_t i) { return detail::v4_bits(at[i]); },
        [](std::uint32_t bits) { return detail::v4_addr_key(bits); });
    EXPECT_EQ(fast, plain);
}

// The same with a two-part compact key (the connect pools': addresses, then ports) and with
// indices not in ascending order (the radix path needs them ascending; others sort by
// comparison), each against one sort by full key.
TEST(PoolModel, SortByKeyWithAPairKeyAndIndicesInAnyOrder) {
    std::vector<core::IpAddress> addresses;
    for (const char* a : {"10.0.0.1", "10.0.1.1", "::ffff:10.0.0.1", "::1", "2001:db8::1"}) {
        addresses.push_back(*core::IpAddress::parse(a));
    }
    struct At {
        core::IpAddress src, dst;
        std::uint16_t port;
    };
    std::vector<At> at;
    std::uint32_t seed = 99;
    auto next = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 16;
    };
    for (int i = 0; i < 3000; ++i) {
        at.push_back({addresses[next() % addresses.size()], addresses[next() % addresses.size()],
                      static_cast<std::uint16_t>(next() % 5 * 10000 + next() % 3)});
    }
    using Compact = std::pair<std::uint64_t, std::uint32_t>;
    auto full = [&](std::uint32_t i) {
        return std::make_tuple(detail::addr_key(at[i].src), detail::addr_key(at[i].dst),
                               at[i].port);
    };
    auto compact = [&](std::uint32_t i) -> std::optional<Compact> {
        auto s = detail::v4_bits(at[i].src);
        auto d = detail::v4_bits(at[i].dst);
        if (!s || !d) {
            return std::nullopt;
        }
        return Compact{std::uint64_t{*s} << 32 | *d, at[i].port};
    };
    auto expand = [](const Compact& k) {
        return std::make_tuple(detail::v4_addr_key(static_cast<std::uint32_t>(k.first >> 32)),
                               detail::v4_addr_key(static_cast<std::uint32_t>(k.first)),
                               static_cast<std::uint16_t>(k.second));
    };
    for (bool ascending : {true, false}) {
        std::vector<std::uint32_t> got;
        for (std::uint32_t i = 0; i < at.size(); i += 1 + next() % 2) {
            got.push_back(i);
        }
        if (!ascending) {
            std::reverse(got.begin(), got.end());
        }
        auto plain = got;
        std::sort(plain.begin(), plain.end(), [&](std::uint32_t a, std::uint32_t b) {
            return std::make_pair(full(a), a) < std::make_pair(full(b), b);
        });
        detail::sort_by_key<Compact>(got, full, compact, expand);
        EXPECT_EQ(got, plain) << (ascending ? "ascending" : "descending");
    }
}

TEST(PoolModel, SeverityThresholdsAndExhaustion) {
    EXPECT_EQ(rate(0.69, 31, {}), Severity::Ok);
    EXPECT_EQ(rate(0.70, 30, {}), Severity::Warning);
    EXPECT_EQ(rate(0.90, 10, {}), Severity::Critical);
    EXPECT_EQ(rate(1.0, 0, {}), Severity::Exhausted);
    Thresholds strict{0.5, 0.6, 5};
    EXPECT_EQ(rate(0.55, 45, strict), Severity::Warning);
    EXPECT_EQ(rate(0.65, 35, strict), Severity::Critical);
}

TEST(PoolModel, TimeWaitOccupiesUnlessReusable) {
    auto build = [](std::uint8_t reuse, const char* src, const char* dst, std::uint32_t expires) {
        test::SnapshotBuilder b(40000, 40009);  // 10 ports
        b.snapshot().config.tcp_tw_reuse = reuse;
        for (std::uint16_t i = 0; i < 10; ++i) {
            b.tcp(TcpState::TimeWait, ep(src, 40000 + i), ep(dst, 80), 0, core::PortBinding::Auto,
                  expires);
        }
        auto m = model_of(b.snapshot());
        return *find(m, PoolKind::TcpConnect);
    };
    EXPECT_EQ(build(0, "10.0.0.1", "10.0.0.2", 30'000).free, 0u);
    EXPECT_EQ(build(0, "10.0.0.1", "10.0.0.2", 30'000).severity, Severity::Exhausted);
    EXPECT_EQ(build(1, "10.0.0.1", "10.0.0.2", 30'000).free, 10u);
    EXPECT_EQ(build(1, "10.0.0.1", "10.0.0.2", 30'000).reusable, 10u);
    EXPECT_EQ(build(1, "10.0.0.1", "10.0.0.2", 59'500).free, 0u);  // younger than 1 s
    EXPECT_EQ(build(2, "10.0.0.1", "10.0.0.2", 30'000).free, 0u);  // 2: loopback only
    EXPECT_EQ(build(2, "127.0.0.1", "127.0.0.1", 30'000).free, 10u);
}

TEST(PoolModel, TimeWaitReuseNeedsTimestamps) {
    test::SnapshotBuilder b(40000, 40001);
    b.snapshot().config.tcp_tw_reuse = 1;
    b.snapshot().config.tcp_timestamps = false;
    b.tcp(TcpState::TimeWait, ep("10.0.0.1", 40000), ep("10.0.0.2", 80));
    auto m = model_of(b.snapshot());
    EXPECT_EQ(find(m, PoolKind::TcpConnect)->reusable, 0u);
}

TEST(PoolModel, BindOwnedPortsTaxEveryConnectPool) {
    test::SnapshotBuilder b(40000, 40099);
    b.tcp(TcpState::Listen, ep("0.0.0.0", 40050), ep("0.0.0.0", 0), 9)
        .tcp(TcpState::Bound, ep("10.0.0.1", 40051), ep("0.0.0.0", 0), 9)
        .tcp(TcpState::Established, ep("10.0.0.1", 40052), ep("10.0.0.7", 25), 9,
             core::PortBinding::Explicit)
        .tcp(TcpState::Listen, ep("0.0.0.0", 22), ep("0.0.0.0", 0), 9)  // outside the range
        .tcp(TcpState::Established, ep("10.0.0.1", 40001), ep("10.0.0.9", 443), 5)
        // the server side of a connection to the listener is not in any connect pool
        .tcp(TcpState::Established, ep("10.0.0.1", 40050), ep("10.0.0.3", 51000), 9);
    auto m = model_of(b.snapshot());
    EXPECT_EQ(m.bind_owned, 3u);
    EXPECT_EQ(m.listeners_in_range, 3u);
    const Pool* p = find(m, PoolKind::TcpConnect, "10.0.0.9:443");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->taxed, 3u);
    EXPECT_EQ(p->free, 96u);
    EXPECT_EQ(find(m, PoolKind::TcpConnect, "10.0.0.3:51000"), nullptr);
    // The explicitly bound connection's own pool: its port is taxed, not counted twice.
    EXPECT_EQ(find(m, PoolKind::TcpConnect, "10.0.0.7:25")->free, 97u);
}

TEST(PoolModel, ReservedPortsAndOddRangeShrinkTheCandidates) {
    test::SnapshotBuilder b(40000, 40100);  // 101 ports: TCP uses 100 (parity), UDP 101
    b.snapshot().config.reserved = {{40010, 40019}, {50000, 50010}};
    b.tcp(TcpState::Established, ep("10.0.0.1", 40015), ep("10.0.0.9", 443), 5);  // reserved port
    auto m = model_of(b.snapshot());
    EXPECT_EQ(m.reserved, 10u);
    EXPECT_EQ(m.tcp_size, 90u);
    EXPECT_EQ(m.udp_size, 91u);
    EXPECT_EQ(find(m, PoolKind::TcpConnect)->occupied, 0u);
    EXPECT_EQ(find(m, PoolKind::TcpConnect)->free, 90u);
}

TEST(PoolModel, V4MappedIpv6FoldsIntoTheIpv4Pool) {
    test::SnapshotBuilder b(40000, 40099);
    b.tcp(TcpState::Established, ep("10.0.0.1", 40001), ep("10.0.0.9", 443), 5)
        .tcp(TcpState::Established, ep("::ffff:10.0.0.1", 40002), ep("::ffff:10.0.0.9", 443), 6);
    auto m = model_of(b.snapshot());
    auto n = std::count_if(m.pools.begin(), m.pools.end(),
                           [](const Pool& p) { return p.key.kind == PoolKind::TcpConnect; });
    EXPECT_EQ(n, 1);
    EXPECT_EQ(find(m, PoolKind::TcpConnect)->occupied, 2u);
    EXPECT_EQ(find(m, PoolKind::TcpConnect)->key.family, core::Family::Ipv4);
}

TEST(PoolModel, UdpPoolIsGlobalNotPerDestination) {
    test::SnapshotBuilder b(40000, 40009);
    b.process(77, "resolver");
    for (std::uint16_t i = 0; i < 10; ++i) {
        b.udp(ep("0.0.0.0", 40000 + i), ep(i % 2 ? "10.0.0.53" : "10.0.0.54", 53), 77);
    }
    auto m = model_of(b.snapshot());
    const Pool* p = find(m, PoolKind::UdpLocal);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->free, 0u);
    EXPECT_EQ(p->severity, Severity::Exhausted);
    ASSERT_FALSE(p->owners.empty());
    EXPECT_EQ(p->owners[0].pid, 77);
    EXPECT_EQ(p->owners[0].name, "resolver");
    EXPECT_EQ(p->destinations.size(), 2u);
}

TEST(PoolModel, LocalPoolOfPlainConnectsIsCappedButBindBeforeConnectIsNot) {
    // Plain connect(): 100 connections to 50 destinations in 60 ports share ports.
    test::SnapshotBuilder plain(40000, 40059);
    for (std::uint16_t i = 0; i < 100; ++i) {
        plain.tcp(TcpState::Established, ep("10.0.0.1", 40000 + (i * 7) % 60),
                  ep("10.0.1." + std::to_string(i % 50 + 1), 80), 5);
    }
    auto m1 = model_of(plain.snapshot());
    const Pool* local1 = find(m1, PoolKind::TcpLocal);
    EXPECT_EQ(local1->free, 0u);
    EXPECT_EQ(local1->severity, Severity::Ok);
    EXPECT_TRUE(local1->severity_capped);
    EXPECT_EQ(m1.prebound_sockets, 0u);

    // bind(ip, 0) then connect(): 58 connections to 29 destinations, never a shared port.
    test::SnapshotBuilder bound(40000, 40059);
    for (std::uint16_t i = 0; i < 58; ++i) {
        bound.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i),
                  ep("10.0.1." + std::to_string(i % 29 + 1), 80), 6);
    }
    auto m2 = model_of(bound.snapshot());
    const Pool* local2 = find(m2, PoolKind::TcpLocal);
    EXPECT_EQ(m2.prebound_sockets, 58u);
    EXPECT_EQ(local2->prebound, 58u);
    EXPECT_EQ(local2->severity, Severity::Critical);
    EXPECT_FALSE(local2->severity_capped);
    // Its ports are bind-owned: a new destination gets only what is left.
    EXPECT_EQ(m2.bind_owned, 58u);
}

TEST(PoolModel, FewConnectionsAreNoEvidenceOfBindBeforeConnect) {
    test::SnapshotBuilder b(32768, 60999);
    for (std::uint16_t i = 0; i < 20; ++i) {
        b.tcp(TcpState::Established, ep("10.0.0.1", 33000 + i * 100),
              ep("10.0.1." + std::to_string(i + 1), 80), 5);
    }
    EXPECT_EQ(model_of(b.snapshot()).prebound_sockets, 0u);
}

TEST(PoolModel, WindowsCountsEveryStateWhateverTheDestination) {
    test::SnapshotBuilder b(49152, 49161);  // 10 ports
    b.snapshot().config.platform = core::Platform::Windows;
    for (std::uint16_t i = 0; i < 6; ++i) {
        b.tcp(TcpState::TimeWait, ep("10.0.0.1", 49152 + i),
              ep("10.0.2." + std::to_string(i + 1), 445));
    }
    b.tcp(TcpState::Bound, ep("10.0.0.1", 49158), ep("0.0.0.0", 0), 4)
        .tcp(TcpState::Established, ep("10.0.0.1", 49159), ep("10.0.3.1", 88), 4)
        .tcp(TcpState::Established, ep("10.0.0.2", 49160), ep("10.0.3.1", 88), 4);
    auto m = model_of(b.snapshot());
    EXPECT_EQ(std::count_if(m.pools.begin(), m.pools.end(),
                            [](const Pool& p) { return p.key.kind == PoolKind::TcpConnect; }),
              0);
    const Pool* p = find(m, PoolKind::TcpLocal, "", "10.0.0.1");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->size, 10u);
    EXPECT_EQ(p->occupied, 8u);
    EXPECT_EQ(p->severity, Severity::Warning);
    EXPECT_FALSE(p->severity_capped);
    EXPECT_EQ(find(m, PoolKind::TcpLocal, "", "10.0.0.2")->occupied, 1u);
    EXPECT_EQ(find(m, PoolKind::TcpLocal)->occupied, 9u);  // the wildcard pool sees all
}

TEST(PoolModel, MissingRangeFallsBackToThePlatformDefault) {
    core::Snapshot snap;
    auto m = model_of(snap);
    EXPECT_EQ(m.range, (core::PortRange{32768, 60999}));
    EXPECT_EQ(m.tcp_size, 28232u);
    EXPECT_TRUE(m.tw_reuse_assumed);
    snap.config.platform = core::Platform::Windows;
    EXPECT_EQ(model_of(snap).range, (core::PortRange{49152, 65535}));
}

}  // namespace
}  // namespace portwatch::analyze
