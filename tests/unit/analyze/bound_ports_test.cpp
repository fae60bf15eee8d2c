// Issue #7, classes 1-3: ports bound by others (listeners, bind(port), bind(0) before
// connect() toward one upstream) and reserved ports as the cause of a pool's exhaustion.
// Each snapshot is the shape a lab leaves behind (tests/labs run the real thing).

#include <gtest/gtest.h>

#include <algorithm>

#include "analyze/pool_model.h"
#include "analyze/report.h"
#include "snapshot_builder.h"

namespace portwatch::analyze {
namespace {

using core::PortBinding;
using core::TcpState;
using test::ep;

constexpr std::uint16_t kLow = 40000;

const Finding* find(const Report& r, Mechanism m) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(),
                           [m](const Finding& f) { return f.mechanism == m; });
    return it == r.findings.end() ? nullptr : &*it;
}

// The rules every report must keep, whatever the snapshot.
void expect_consistent(const Report& r) {
    for (const auto& p : r.pools) {
        if (!p.severity_capped) {
            EXPECT_GE(r.verdict, p.severity) << r.summary;
        }
        if (p.severity_capped) {  // "* full of plain connect() sockets"
            EXPECT_GT(p.occupied, 2 * p.bound) << pool_kind_name(p.key.kind);
        }
    }
    for (const auto& f : r.findings) {
        if (!f.pool)
            continue;
        const Pool& p = r.pools[*f.pool];
        if (p.sockets == 0) {  // no mechanism of sockets with no socket behind it
            EXPECT_TRUE(f.mechanism == Mechanism::ReservedRange ||
                        f.mechanism == Mechanism::NarrowRange)
                << mechanism_name(f.mechanism) << ": " << f.title;
        }
        if (f.mechanism == Mechanism::UdpLeak) {
            EXPECT_GT(p.sockets, 0u);
        }
    }
}

// `listeners` ports of a 200-port range held by pid 7's listeners (every other one bound to a
// port it chose), the rest by pid 9's connections to 127.0.0.1:9000.
core::Snapshot listeners_in_range(std::uint16_t listeners) {
    test::SnapshotBuilder b(kLow, kLow + 199);
    b.process(5, "server").process(7, "squatter").process(9, "client");
    b.tcp(TcpState::Listen, ep("127.0.0.1", 9000), ep("0.0.0.0", 0), 5);
    for (std::uint16_t i = 0; i < 200; ++i) {
        if (i < listeners) {
            b.tcp(TcpState::Listen, ep("0.0.0.0", kLow + i), ep("0.0.0.0", 0), 7,
                  i % 2 ? PortBinding::Explicit : PortBinding::Auto);
        } else {
            b.tcp(TcpState::Established, ep("127.0.0.1", kLow + i), ep("127.0.0.1", 9000), 9);
        }
    }
    return b.snapshot();
}

TEST(BoundPorts, AnExhaustedConnectPoolIsNeverReportedMilder) {
    for (std::uint16_t listeners : {150, 180}) {  // 75 % and 90 %: WARNING and CRITICAL before
        auto r = diagnose(listeners_in_range(listeners), nullptr, {});
        EXPECT_EQ(r.verdict, Severity::Exhausted) << r.summary;
        EXPECT_EQ(r.summary.rfind("EXHAUSTED: No port left for connections from 127.0.0.1 to "
                                  "127.0.0.1:9000",
                                  0),
                  0u)
            << r.summary;
        ASSERT_FALSE(r.findings.empty());
        const auto& f = r.findings.front();
        EXPECT_EQ(f.severity, Severity::Exhausted);
        EXPECT_EQ(f.mechanism, Mechanism::ListenersInRange);
        // The owner of the ports, with how many and its share, next to the victim and its client.
        ASSERT_FALSE(f.culprits.empty());
        EXPECT_EQ(f.culprits[0].pid, 7);
        EXPECT_EQ(f.culprits[0].name, "squatter");
        EXPECT_EQ(f.culprits[0].ports, listeners);
        EXPECT_DOUBLE_EQ(f.culprits[0].share, listeners / 200.0);
        ASSERT_FALSE(f.clients.empty());
        EXPECT_EQ(f.clients[0].pid, 9);
        ASSERT_TRUE(f.pool.has_value());
        EXPECT_EQ(r.pools[*f.pool].key.remote.to_string(), "127.0.0.1:9000");
        EXPECT_EQ(r.pools[*f.pool].free, 0u);
        EXPECT_NE(f.title.find("squatter (pid 7) holds " + std::to_string(listeners)),
                  std::string::npos)
            << f.title;
        ASSERT_EQ(f.servers.size(), 1u);
        EXPECT_EQ(f.servers[0].pid, 5);
        EXPECT_EQ(r.findings.size(), 1u);  // the local pools tell the same story: folded in
        expect_consistent(r);
    }
}

TEST(BoundPorts, ListenersAloneAreARangeWideFindingWithTheirOwner) {
    auto r = diagnose(listeners_in_range(200), nullptr, {});  // no client at all
    EXPECT_EQ(r.verdict, Severity::Exhausted);                // bind(0) fails: no port left
    const Finding* f = find(r, Mechanism::ListenersInRange);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(f->culprits.empty());
    EXPECT_EQ(f->culprits[0].pid, 7);
    EXPECT_EQ(f->culprits[0].ports, 200u);
    expect_consistent(r);
}

// A proxy bound to 127.0.0.1 with port 0 before each connect() to its one upstream: bind()
// hands out the odd offsets first, then even ones. Then a client's plain connect() elsewhere.
core::Snapshot proxy_bind(std::uint16_t proxied, std::uint16_t client) {
    test::SnapshotBuilder b(kLow, kLow + 199);
    b.process(5, "server").process(7, "haproxy").process(9, "agent");
    b.tcp(TcpState::Listen, ep("0.0.0.0", 9000), ep("0.0.0.0", 0), 5);
    b.tcp(TcpState::Listen, ep("0.0.0.0", 9001), ep("0.0.0.0", 0), 5);
    std::vector<bool> used(200, false);
    std::uint16_t n = 0;
    for (std::uint16_t parity : {1, 0}) {
        for (std::uint16_t off = parity; off < 200 && n < proxied; off += 2, ++n) {
            b.tcp(TcpState::Established, ep("127.0.0.1", kLow + off), ep("127.0.0.1", 9000), 7);
            used[off] = true;
        }
    }
    n = 0;
    for (std::uint16_t parity : {0, 1}) {  // connect(): even offsets first
        for (std::uint16_t off = parity; off < 200 && n < client; off += 2) {
            if (!used[off]) {
                b.tcp(TcpState::Established, ep("127.0.0.1", kLow + off), ep("127.0.0.1", 9001), 9);
                ++n;
            }
        }
    }
    return b.snapshot();
}

TEST(BoundPorts, ProxyBindToOneUpstreamTaxesEveryConnectPoolAndIsNamed) {
    auto r = diagnose(proxy_bind(140, 60), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted) << r.summary;
    EXPECT_EQ(r.bind_owned, 140u);
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::BindBeforeConnect) << f.title;
    ASSERT_TRUE(f.pool.has_value());
    const Pool& victim = r.pools[*f.pool];
    EXPECT_EQ(victim.key.remote.to_string(), "127.0.0.1:9001");  // not the proxy's upstream
    EXPECT_EQ(victim.taxed, 140u);
    EXPECT_EQ(victim.free, 0u);
    ASSERT_FALSE(f.culprits.empty());
    EXPECT_EQ(f.culprits[0].pid, 7);
    EXPECT_EQ(f.culprits[0].ports, 140u);
    ASSERT_FALSE(f.clients.empty());
    EXPECT_EQ(f.clients[0].pid, 9);
    EXPECT_NE(f.title.find("haproxy (pid 7) binds a port before each connect() to 127.0.0.1:9000"),
              std::string::npos)
        << f.title;
    EXPECT_NE(f.remedy.find("IP_BIND_ADDRESS_NO_PORT"), std::string::npos);
    EXPECT_NE(f.remedy.find("would have 140 of 200 ports free instead of 0"), std::string::npos)
        << f.remedy;
    EXPECT_EQ(find(r, Mechanism::Hoarding), nullptr);
    expect_consistent(r);
}

TEST(BoundPorts, ProxyBindHoldingMostOfTheRangeIsRecognisedByItsVictim) {
    // 160 and 170 of 200: bind() filled the odd half, then took evens; the odd excess alone is
    // under 4 sigmas, but the client's plain connections should have met the proxy's ports
    // 32 and 25 times and never did.
    for (std::uint16_t proxied : {160, 170}) {
        auto r = diagnose(proxy_bind(proxied, 200 - proxied), nullptr, {});
        EXPECT_EQ(r.bind_owned, proxied);
        const auto& f = r.findings.front();
        EXPECT_EQ(f.mechanism, Mechanism::BindBeforeConnect) << f.title;
        EXPECT_EQ(f.culprits.front().pid, 7);
        EXPECT_EQ(f.clients.front().pid, 9);
        EXPECT_EQ(r.verdict, Severity::Exhausted);
        expect_consistent(r);
    }
}

TEST(BoundPorts, ProxyBindIsRecognisedWithOneDestinationAndNoVictimYet) {
    for (std::uint16_t proxied : {60, 100, 140}) {  // under half: all odd; over: odd first
        auto r = diagnose(proxy_bind(proxied, 0), nullptr, {});
        EXPECT_EQ(r.bind_owned, proxied) << proxied;
        EXPECT_EQ(find(r, Mechanism::Hoarding), nullptr) << r.summary;
        for (const auto& p : r.pools) {
            if (p.key.kind == PoolKind::TcpConnect) {
                EXPECT_EQ(p.taxed, proxied);
            }
        }
        if (proxied >= 140) {
            const Finding* f = find(r, Mechanism::BindBeforeConnect);
            ASSERT_NE(f, nullptr) << r.summary;
            EXPECT_EQ(f->culprits.front().pid, 7);
        }
        expect_consistent(r);
    }
}

TEST(BoundPorts, PlainConnectIsNotMistakenForBindBeforeConnect) {
    // Even offsets first, as connect() takes them: no bind().
    {
        test::SnapshotBuilder b(kLow, kLow + 199);
        b.process(9, "client");
        for (std::uint16_t off = 0; off < 120; off += 1) {
            std::uint16_t port = off < 100 ? kLow + 2 * off : kLow + 2 * (off - 100) + 1;
            b.tcp(TcpState::Established, ep("127.0.0.1", port), ep("127.0.0.1", 9000), 9);
        }
        auto r = diagnose(b.snapshot(), nullptr, {});
        EXPECT_EQ(r.bind_owned, 0u);
    }
    // Odd ports only because listeners hold every even one: the listeners are the cause.
    {
        test::SnapshotBuilder b(kLow, kLow + 199);
        b.process(7, "squatter").process(9, "client");
        for (std::uint16_t off = 0; off < 200; off += 2) {
            b.tcp(TcpState::Listen, ep("0.0.0.0", kLow + off), ep("0.0.0.0", 0), 7,
                  PortBinding::Explicit);
        }
        for (std::uint16_t off = 1; off < 120; off += 2) {
            b.tcp(TcpState::Established, ep("127.0.0.1", kLow + off), ep("127.0.0.1", 9000), 9);
        }
        auto r = diagnose(b.snapshot(), nullptr, {});
        EXPECT_EQ(r.bind_owned, 100u);  // the listeners only
        EXPECT_EQ(find(r, Mechanism::BindBeforeConnect), nullptr) << r.summary;
    }
    // No parity preference at all (IP_LOCAL_PORT_RANGE on 6.8+): a slight odd excess is chance.
    {
        test::SnapshotBuilder b(kLow, kLow + 199);
        b.process(9, "client");
        for (std::uint16_t i = 0; i < 100; ++i) {
            std::uint16_t off = i < 55 ? 2 * i + 1 : 2 * (i - 55);
            b.tcp(TcpState::Established, ep("127.0.0.1", kLow + off), ep("127.0.0.1", 9000), 9);
        }
        EXPECT_EQ(diagnose(b.snapshot(), nullptr, {}).bind_owned, 0u);
    }
    // A capture judged by an assumed range: its parity means nothing.
    {
        auto snap = proxy_bind(100, 0);
        snap.config.ephemeral.reset();
        snap.config.range_origin.clear();
        EXPECT_EQ(diagnose(snap, nullptr, {}).bind_owned, 0u);
    }
}

// 80 % of the range reserved; a client holds the 40 ports left.
core::Snapshot mostly_reserved(std::uint16_t connections) {
    test::SnapshotBuilder b(kLow, kLow + 199);
    b.snapshot().config.reserved = {core::PortRange{kLow, kLow + 159}};
    b.process(5, "server").process(9, "client");
    b.tcp(TcpState::Listen, ep("127.0.0.1", 9000), ep("0.0.0.0", 0), 5);
    for (std::uint16_t i = 0; i < connections; ++i) {
        b.tcp(TcpState::Established, ep("127.0.0.1", kLow + 160 + i), ep("127.0.0.1", 9000), 9);
    }
    return b.snapshot();
}

TEST(ReservedPorts, AMostlyReservedRangeLeadsWithTheReservedPorts) {
    auto r = diagnose(mostly_reserved(40), nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    const auto& f = r.findings.front();
    EXPECT_EQ(f.mechanism, Mechanism::ReservedRange) << f.title;  // not "hoarding"
    EXPECT_NE(f.title.find("160 of the 200 ports"), std::string::npos) << f.title;
    EXPECT_NE(f.title.find("net.ipv4.ip_local_reserved_ports"), std::string::npos);
    EXPECT_TRUE(f.culprits.empty());  // the client is who it hurts, not the cause
    ASSERT_FALSE(f.clients.empty());
    EXPECT_EQ(f.clients[0].pid, 9);
    EXPECT_NE(f.remedy.find("40000-40159"), std::string::npos) << f.remedy;
    EXPECT_EQ(find(r, Mechanism::Hoarding), nullptr);
    EXPECT_EQ(
        std::count_if(r.findings.begin(), r.findings.end(),
                      [](const Finding& x) { return x.mechanism == Mechanism::ReservedRange; }),
        1);
    expect_consistent(r);
}

TEST(ReservedPorts, NoMechanismWithoutSocketsBehindIt) {
    auto snap = mostly_reserved(0);
    snap.config.reserved = {core::PortRange{kLow, kLow + 199}};  // all of it
    auto r = diagnose(snap, nullptr, {});
    EXPECT_EQ(r.verdict, Severity::Exhausted);
    EXPECT_EQ(find(r, Mechanism::UdpLeak), nullptr) << r.summary;  // there is no UDP socket
    EXPECT_EQ(find(r, Mechanism::Mixed), nullptr) << r.summary;
    EXPECT_EQ(r.findings.front().mechanism, Mechanism::ReservedRange);
    expect_consistent(r);
}

TEST(ReservedPorts, ConnectionsThatReallyFillTheRangeAreStillTheirOwnCause) {
    auto snap = mostly_reserved(0);
    snap.config.reserved = {core::PortRange{kLow, kLow + 9}};  // 5 %
    for (std::uint16_t i = 10; i < 200; ++i) {
        snap.sockets.push_back(snap.sockets.front());
        auto& s = snap.sockets.back();
        s.state = TcpState::Established;
        s.local = ep("127.0.0.1", kLow + i);
        s.remote = ep("127.0.0.1", 9000);
        s.owners = {9};
    }
    auto r = diagnose(snap, nullptr, {});
    EXPECT_EQ(r.findings.front().mechanism, Mechanism::Hoarding);
    EXPECT_EQ(r.findings.front().culprits.front().pid, 9);
    expect_consistent(r);
}

TEST(Footnote, OnlyPoolsFullOfPlainConnectsAreCapped) {
    auto listeners = diagnose(listeners_in_range(180), nullptr, {});
    for (const auto& p : listeners.pools)
        EXPECT_FALSE(p.severity_capped);
    auto reserved = diagnose(mostly_reserved(40), nullptr, {});
    bool capped = std::any_of(reserved.pools.begin(), reserved.pools.end(),
                              [](const Pool& p) { return p.severity_capped; });
    EXPECT_TRUE(capped);  // 40 plain connections fill the 40 usable ports: bind(0) only fails
    expect_consistent(reserved);
}

}  // namespace
}  // namespace portwatch::analyze
