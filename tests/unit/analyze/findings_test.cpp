#include <gtest/gtest.h>

#include <algorithm>

#include "analyze/report.h"
#include "snapshot_builder.h"

namespace portwatch::analyze {
namespace {

using core::TcpState;
using test::ep;

// A loopback server and a client draining the pool to it with `state`.
core::Snapshot drained(TcpState state, std::uint16_t count) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(10, "server").process(20, "client");
    b.tcp(TcpState::Listen, ep("127.0.0.1", 9000), ep("0.0.0.0", 0), 10);
    b.tcp(TcpState::Established, ep("127.0.0.1", 40099), ep("127.0.0.1", 9000), 20);
    for (std::uint16_t i = 0; i < count; ++i) {
        b.tcp(state, ep("127.0.0.1", 40000 + i), ep("127.0.0.1", 9000),
              state == TcpState::TimeWait ? 0 : 20);
    }
    return b.snapshot();
}

TEST(Findings, TimeWaitChurnNamesTheInferredClientAndTheServer) {
    auto snap = drained(TcpState::TimeWait, 99);
    auto r = diagnose(snap, nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    ASSERT_FALSE(r.findings.empty());
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::TimeWaitChurn);
    ASSERT_TRUE(f.pool.has_value());
    EXPECT_EQ(r.pools[*f.pool].key.remote.to_string(), "127.0.0.1:9000");
    ASSERT_FALSE(f.culprits.empty());
    EXPECT_EQ(f.culprits[0].pid, 20);
    EXPECT_EQ(f.culprits[0].name, "client");
    EXPECT_TRUE(f.culprits[0].inferred);
    EXPECT_DOUBLE_EQ(f.culprits[0].share, 1.0);
    ASSERT_EQ(f.servers.size(), 1u);
    EXPECT_EQ(f.servers[0].pid, 10);
    EXPECT_NE(f.title.find("EADDRNOTAVAIL"), std::string::npos);
    EXPECT_NE(f.remedy.find("keep-alive"), std::string::npos);
    EXPECT_EQ(r.checked.time_wait_inferred, 99u);
    EXPECT_EQ(r.summary.rfind("EXHAUSTED: ", 0), 0u);
}

TEST(Findings, CloseWaitLeakAndHoardingAreTold) {
    auto leak = diagnose(drained(TcpState::CloseWait, 92), nullptr, {});
    EXPECT_EQ(leak.verdict, Severity::Critical);
    EXPECT_EQ(leak.findings.front().mechanism, Mechanism::CloseWaitLeak);
    EXPECT_NE(leak.findings.front().remedy.find("Application bug"), std::string::npos);

    auto hoard = diagnose(drained(TcpState::Established, 75), nullptr, {});
    EXPECT_EQ(hoard.verdict, Severity::Warning);
    EXPECT_EQ(hoard.findings.front().mechanism, Mechanism::Hoarding);
    EXPECT_EQ(hoard.findings.front().culprits.front().pid, 20);
}

TEST(Findings, AdjustedThresholdsChangeTheVerdict) {
    auto snap = drained(TcpState::Established, 50);
    EXPECT_EQ(diagnose(snap, nullptr, {}).verdict, Severity::Ok);
    EXPECT_EQ(diagnose(snap, nullptr, {0.4, 0.5, 5}).verdict, Severity::Critical);
}

TEST(Findings, HealthyBusyNamespaceSaysWhatItChecked) {
    test::SnapshotBuilder b(40000, 44999);
    b.process(30, "busy");
    for (int i = 0; i < 3000; ++i) {
        b.tcp(i % 3 ? TcpState::Established : TcpState::TimeWait,
              ep("127.0.0.1", static_cast<std::uint16_t>(40000 + (i * 7919) % 5000)),
              ep("127.0.0." + std::to_string(i % 60 + 2), 9000), i % 3 ? 30 : 0);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Ok);
    EXPECT_TRUE(r.findings.empty());
    EXPECT_EQ(r.checked.connect_pools, 60u);
    EXPECT_EQ(r.summary.rfind("OK: ", 0), 0u);
    EXPECT_NE(r.summary.find("3000 sockets"), std::string::npos);
}

TEST(Findings, BindBeforeConnectAndUdpLeak) {
    test::SnapshotBuilder b(40000, 40059);
    b.process(6, "binder").process(7, "resolver");
    for (std::uint16_t i = 0; i < 60; ++i) {
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i),
              ep("10.0.1." + std::to_string(i % 30 + 1), 80), 6);
        b.udp(ep("0.0.0.0", 40000 + i), ep("10.0.0.53", 53), 7);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    bool bbc = false, udp = false;
    for (const auto& f : r.findings) {
        if (f.mechanism == Mechanism::BindBeforeConnect) {
            bbc = true;
            EXPECT_EQ(f.culprits.front().pid, 6);
            EXPECT_NE(f.remedy.find("IP_BIND_ADDRESS_NO_PORT"), std::string::npos);
        }
        if (f.mechanism == Mechanism::UdpLeak) {
            udp = true;
            EXPECT_EQ(f.culprits.front().name, "resolver");
            EXPECT_NE(f.title.find("EAGAIN"), std::string::npos);
        }
    }
    EXPECT_TRUE(bbc);
    EXPECT_TRUE(udp);
}

TEST(Findings, NeighbouringLimits) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(20, "client");
    b.snapshot().processes[0].fd_count = 960;
    b.snapshot().processes[0].fd_limit = 1024;
    core::HostFacts facts;
    facts.conntrack_count = 50;
    facts.conntrack_max = 100;
    facts.tcp_tw = 95;
    facts.tcp_max_tw_buckets = 100;
    auto r = diagnose(b.snapshot(), &facts, {});
    EXPECT_EQ(r.verdict, Severity::Critical);
    ASSERT_EQ(r.findings.size(), 2u);
    EXPECT_EQ(r.findings[0].mechanism, Mechanism::FdLimit);
    EXPECT_EQ(r.findings[0].culprits.front().pid, 20);
    EXPECT_EQ(r.findings[1].mechanism, Mechanism::TimeWaitBuckets);
    EXPECT_EQ(r.limits.size(), 3u);  // fds, conntrack (fine), tw buckets
    EXPECT_TRUE(r.checked.host_facts);
}

TEST(Findings, ListenersInsideTheRange) {
    test::SnapshotBuilder b(40000, 40009);
    for (std::uint16_t i = 0; i < 8; ++i) {
        b.tcp(TcpState::Listen, ep("0.0.0.0", 40000 + i), ep("0.0.0.0", 0), 3);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Warning);
    EXPECT_EQ(r.findings.front().mechanism, Mechanism::ListenersInRange);
}

TEST(Findings, WindowsChurnIsOneGlobalPoolWithWindowsRemedies) {
    test::SnapshotBuilder b(49152, 49251);  // 100 dynamic ports
    b.snapshot().config.platform = core::Platform::Windows;
    b.snapshot().config.tcp_tw_reuse.reset();
    b.process(4242, "backup.exe");
    b.tcp(TcpState::Established, ep("10.0.0.5", 49251), ep("10.0.0.9", 445), 4242);
    // TIME_WAIT (pid 0 on Windows: no owner) to many destinations: one pool all the same.
    for (std::uint16_t i = 0; i < 98; ++i) {
        b.tcp(TcpState::TimeWait, ep("10.0.0.5", 49152 + i),
              ep(i % 2 ? "10.0.0.9" : "10.0.0.8", 445));
    }
    b.tcp(TcpState::Established, ep("10.0.0.5", 49250), ep("10.0.0.8", 445), 4242);
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::TimeWaitChurn);
    EXPECT_EQ(r.pools[*f.pool].key.kind, PoolKind::TcpLocal);
    EXPECT_EQ(f.culprits.front().name, "backup.exe");
    EXPECT_TRUE(f.culprits.front().inferred);
    EXPECT_NE(f.remedy.find("TcpTimedWaitDelay"), std::string::npos);
    EXPECT_NE(f.title.find("WSAENOBUFS"), std::string::npos);
    EXPECT_EQ(r.checked.connect_pools, 0u);
}

TEST(Findings, Ipv6DestinationsHaveTheirOwnPools) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(20, "client");
    for (std::uint16_t i = 0; i < 95; ++i) {
        b.tcp(TcpState::Established, ep("2001:db8::1", 40000 + i), ep("2001:db8::9", 443), 20);
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i), ep("10.0.0.9", 443), 20);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.checked.connect_pools, 2u);
    ASSERT_GE(r.findings.size(), 2u);
    std::vector<std::string> remotes;
    for (const auto& f : r.findings) {
        if (f.pool) remotes.push_back(r.pools[*f.pool].key.remote.to_string());
    }
    EXPECT_NE(std::find(remotes.begin(), remotes.end(), "[2001:db8::9]:443"), remotes.end());
    EXPECT_NE(std::find(remotes.begin(), remotes.end(), "10.0.0.9:443"), remotes.end());
}

TEST(Findings, NoSocketsReadIsUnknown) {
    core::Snapshot snap;
    auto r = diagnose(snap, nullptr, {});
    EXPECT_TRUE(r.unknown);
}

}  // namespace
}  // namespace portwatch::analyze
