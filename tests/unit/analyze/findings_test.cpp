#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "analyze/report.h"
#include "analyze/services.h"
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
        if (f.pool)
            remotes.push_back(r.pools[*f.pool].key.remote.to_string());
    }
    EXPECT_NE(std::find(remotes.begin(), remotes.end(), "[2001:db8::9]:443"), remotes.end());
    EXPECT_NE(std::find(remotes.begin(), remotes.end(), "10.0.0.9:443"), remotes.end());
}

// Class 4: SYN_SENT toward a destination that never answers is a dead backend, not hoarding.
TEST(Findings, UnansweredConnectsAreADeadBackendNotHoarding) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(20, "api");
    for (std::uint16_t i = 0; i < 100; ++i) {
        b.tcp(i < 97 ? TcpState::SynSent : TcpState::Established, ep("10.0.0.1", 40000 + i),
              ep("10.0.0.9", 5432), 20);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::DeadBackend);
    EXPECT_EQ(mechanism_name(f.mechanism), "dead-backend");
    EXPECT_NE(f.title.find("SYN_SENT"), std::string::npos) << f.title;
    EXPECT_EQ(f.title.find("hoarding"), std::string::npos) << f.title;
    EXPECT_NE(f.remedy.find("connect timeout"), std::string::npos) << f.remedy;
    EXPECT_NE(f.remedy.find("health checks"), std::string::npos) << f.remedy;
    EXPECT_NE(f.remedy.find("backoff"), std::string::npos) << f.remedy;
    bool said = false;
    for (const auto& e : f.evidence)
        said = said || e.find("97 of 100 sockets are in SYN_SENT") == 0;
    EXPECT_TRUE(said);
    // What breaks: this destination only, named by its service.
    ASSERT_TRUE(f.breaks.has_value());
    EXPECT_TRUE(f.breaks->now);
    EXPECT_EQ(f.breaks->scope, BreakScope::Destinations);
    ASSERT_EQ(f.breaks->destinations.size(), 1u);
    EXPECT_EQ(f.breaks->destinations[0].service, "PostgreSQL");
    EXPECT_NE(r.summary.find("Failing now: new connections from 10.0.0.1 to 10.0.0.9:5432 "
                             "(PostgreSQL); connections to other destinations are not affected."),
              std::string::npos)
        << r.summary;
    // Mostly open connections that did get an answer are still hoarding.
    auto hoard = diagnose(drained(TcpState::Established, 95), nullptr, {});
    EXPECT_EQ(hoard.findings.front().mechanism, Mechanism::Hoarding);
}

// Class 4: descriptor limits are counted and said in file descriptors, with the sockets among
// them and what they are doing.
TEST(Findings, FdLimitCountsFileDescriptorsNotSockets) {
    test::SnapshotBuilder b(40000, 40999);
    b.process(20, "client");
    b.snapshot().processes[0].fd_count = 1000;
    b.snapshot().processes[0].fd_limit = 1024;
    for (std::uint16_t i = 0; i < 700; ++i) {
        b.tcp(TcpState::CloseWait, ep("10.0.0.1", 40000 + i), ep("10.0.0.9", 8080), 20);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    const Finding* fd = nullptr;
    for (const auto& f : r.findings) {
        if (f.mechanism == Mechanism::FdLimit)
            fd = &f;
    }
    ASSERT_NE(fd, nullptr);
    EXPECT_NE(fd->title.find("1000 of 1024 (98%) file descriptors"), std::string::npos)
        << fd->title;
    ASSERT_EQ(fd->culprits.size(), 1u);
    EXPECT_EQ(fd->culprits[0].file_descriptors, 1000u);
    EXPECT_EQ(fd->culprits[0].sockets, 700u);
    EXPECT_NE(fd->evidence.front().find("700 of them sockets; TCP: 700 CLOSE_WAIT"),
              std::string::npos)
        << fd->evidence.front();
    EXPECT_NE(fd->remedy.find("CLOSE_WAIT"), std::string::npos) << fd->remedy;
    ASSERT_TRUE(fd->breaks.has_value());
    EXPECT_EQ(fd->breaks->scope, BreakScope::Process);
    EXPECT_NE(fd->breaks->text.find("client (pid 20)"), std::string::npos);
}

// A Windows host: one pool, drained by a churning client and a leaking one; a third process
// with a negligible share.
core::Snapshot windows_two_causes(core::WindowsGeneration generation) {
    test::SnapshotBuilder b(49152, 49351);  // 200 dynamic ports
    auto& snap = b.snapshot();
    snap.config.platform = core::Platform::Windows;
    snap.config.tcp_tw_reuse.reset();
    snap.config.windows = generation;
    b.process(100, "app.exe").process(200, "agent.exe").process(300, "lsass.exe");
    std::uint16_t port = 49152;
    for (int i = 0; i < 120; ++i)
        b.tcp(TcpState::TimeWait, ep("10.0.0.5", port++), ep("10.0.0.40", 1433));
    for (int i = 0; i < 2; ++i)
        b.tcp(TcpState::Established, ep("10.0.0.5", port++), ep("10.0.0.40", 1433), 100);
    for (int i = 0; i < 70; ++i)
        b.tcp(TcpState::CloseWait, ep("10.0.0.5", port++), ep("10.0.0.77", 443), 200);
    for (int i = 0; i < 4; ++i)
        b.tcp(TcpState::Established, ep("10.0.0.5", port++), ep("10.0.0.2", 88), 300);
    return snap;
}

// Class 8: one culprit, one mechanism.
TEST(Findings, TwoProcessesDrainingOnePoolTwoWaysAreTwoCauses) {
    auto r = diagnose(windows_two_causes(core::WindowsGeneration::VistaPlus), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Critical);
    ASSERT_EQ(r.findings.size(), 2u);
    const auto& churn = r.findings[0];
    const auto& leak = r.findings[1];
    EXPECT_EQ(churn.pool, leak.pool);
    EXPECT_EQ(churn.mechanism, Mechanism::TimeWaitChurn);
    EXPECT_EQ(leak.mechanism, Mechanism::CloseWaitLeak);
    EXPECT_EQ(churn.cause, 1u);
    EXPECT_EQ(leak.cause, 2u);
    EXPECT_EQ(leak.causes, 2u);
    ASSERT_EQ(churn.culprits.size(), 1u);
    ASSERT_EQ(leak.culprits.size(), 1u);
    EXPECT_EQ(churn.culprits[0].name, "app.exe");
    EXPECT_EQ(leak.culprits[0].name, "agent.exe");
    ASSERT_FALSE(churn.destinations.empty());
    EXPECT_EQ(churn.destinations[0].remote.to_string(), "10.0.0.40:1433");
    ASSERT_FALSE(leak.destinations.empty());
    EXPECT_EQ(leak.destinations[0].remote.to_string(), "10.0.0.77:443");
    EXPECT_NE(churn.remedy.find("app.exe reuse connections"), std::string::npos);
    EXPECT_NE(leak.remedy.find("agent.exe does not close"), std::string::npos);
    // The verdict says both, each with its own mechanism and destination.
    EXPECT_NE(r.summary.find("Two causes: TIME_WAIT churn by app.exe (pid 100) to 10.0.0.40:1433 "
                             "(SQL Server)"),
              std::string::npos)
        << r.summary;
    EXPECT_NE(r.summary.find("a CLOSE_WAIT leak by agent.exe (pid 200) to 10.0.0.77:443 (HTTPS)"),
              std::string::npos)
        << r.summary;
    // A 2% share is no culprit.
    for (const auto& f : r.findings) {
        for (const auto& c : f.culprits)
            EXPECT_NE(c.name, "lsass.exe");
    }
}

TEST(Findings, NegligibleOwnersAreNotCulprits) {
    auto snap = drained(TcpState::CloseWait, 95);
    snap.processes.push_back({});
    snap.processes.back().pid = 30;
    snap.processes.back().name = "tiny";
    snap.sockets[5].owners = {30};  // one socket of 96: 1%
    auto r = diagnose(snap, nullptr, {});
    ASSERT_FALSE(r.findings.empty());
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::CloseWaitLeak);
    for (const auto& c : f.culprits)
        EXPECT_NE(c.pid, 30);
    bool listed = false;
    for (const auto& e : f.evidence)
        listed = listed || e.find("other owners, not culprits") == 0;
    EXPECT_TRUE(listed);
}

// Class 5: a Windows capture speaks Windows: no Linux sysctl, its TIME_WAIT length per version.
TEST(Findings, WindowsSpeaksWindows) {
    for (auto [generation, seconds] : {std::pair{core::WindowsGeneration::VistaPlus, 120u},
                                       std::pair{core::WindowsGeneration::UpTo2003, 240u},
                                       std::pair{core::WindowsGeneration::Unknown, 120u}}) {
        auto r = diagnose(windows_two_causes(generation), nullptr, {});
        EXPECT_EQ(r.time_wait_seconds, seconds);
        for (const auto& f : r.findings) {
            for (const auto& text : f.evidence) {
                EXPECT_EQ(text.find("tcp_tw_reuse"), std::string::npos) << text;
                EXPECT_EQ(text.find("net.ipv4"), std::string::npos) << text;
            }
            EXPECT_EQ(f.remedy.find("net.ipv4"), std::string::npos) << f.remedy;
            EXPECT_EQ(f.remedy.find("tcp_tw_reuse"), std::string::npos) << f.remedy;
        }
        const auto& churn = r.findings.front();
        bool told = false;
        for (const auto& e : churn.evidence) {
            told = told ||
                   e.starts_with(fmt::format("TIME_WAIT lasts {} s (TcpTimedWaitDelay", seconds));
        }
        EXPECT_TRUE(told);
        EXPECT_NE(churn.remedy.find("TcpTimedWaitDelay"), std::string::npos);
        EXPECT_NE(churn.remedy.find("netsh int ipv4 set dynamicport"), std::string::npos);
        if (generation == core::WindowsGeneration::Unknown) {
            EXPECT_NE(r.time_wait_origin.find("assumed"), std::string::npos);
        }
        // Class 9: on Windows everything outbound fails, named by what admins see.
        ASSERT_TRUE(r.breaks.has_value());
        EXPECT_EQ(r.breaks->scope, BreakScope::Host);
        EXPECT_NE(r.breaks->text.find("every new outbound TCP connection from this host"),
                  std::string::npos);
        EXPECT_NE(r.breaks->text.find("file shares (SMB)"), std::string::npos);
        EXPECT_NE(r.breaks->text.find("10.0.0.2:88 (Kerberos)"), std::string::npos)
            << r.breaks->text;
    }
}

// Class 9: several destinations exhausted on Linux: each is named, the rest keep working.
TEST(Findings, WhatBreaksNamesEveryExhaustedDestination) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(20, "client");
    for (std::uint16_t i = 0; i < 100; ++i) {
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i), ep("10.0.0.9", 6379), 20);
        b.tcp(TcpState::Established, ep("10.0.0.1", 40000 + i), ep("10.0.0.8", 445), 20);
    }
    auto r = diagnose(b.snapshot(), nullptr, {});
    ASSERT_TRUE(r.breaks.has_value());
    EXPECT_TRUE(r.breaks->now);
    EXPECT_EQ(r.breaks->destinations.size(), 2u);
    EXPECT_NE(r.summary.find("Failing now: new connections to "), std::string::npos) << r.summary;
    EXPECT_NE(r.summary.find("10.0.0.9:6379 (Redis)"), std::string::npos) << r.summary;
    EXPECT_NE(r.summary.find("10.0.0.8:445 (SMB)"), std::string::npos) << r.summary;
    EXPECT_NE(r.summary.find("other destinations are not affected"), std::string::npos);
}

TEST(Services, OneTableByPortAndProtocol) {
    EXPECT_EQ(well_known_service(445, core::Protocol::Tcp), "SMB");
    EXPECT_EQ(well_known_service(88, core::Protocol::Udp), "Kerberos");
    EXPECT_EQ(well_known_service(389, core::Protocol::Tcp), "LDAP");
    EXPECT_EQ(well_known_service(636, core::Protocol::Tcp), "LDAPS");
    EXPECT_EQ(well_known_service(53, core::Protocol::Udp), "DNS");
    EXPECT_EQ(well_known_service(135, core::Protocol::Tcp), "RPC");
    EXPECT_EQ(well_known_service(1433, core::Protocol::Tcp), "SQL Server");
    EXPECT_EQ(well_known_service(3306, core::Protocol::Tcp), "MySQL");
    EXPECT_EQ(well_known_service(443, core::Protocol::Udp), "QUIC/HTTP3");
    EXPECT_EQ(well_known_service(445, core::Protocol::Udp), "");
    EXPECT_EQ(well_known_service(9000, core::Protocol::Tcp), "");
}

TEST(Findings, NoSocketsReadIsUnknown) {
    core::Snapshot snap;
    auto r = diagnose(snap, nullptr, {});
    EXPECT_TRUE(r.unknown);
}

}  // namespace
}  // namespace portwatch::analyze
