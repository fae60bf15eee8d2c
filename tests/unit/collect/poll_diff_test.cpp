// The poll source's differ on synthetic snapshots: which events, and whose sockets they are.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "collect/poll_source.h"

namespace portwatch::collect {
namespace {

using core::PortEventKind;
using core::TcpState;

const core::TimePoint kT0 = core::TimePoint{} + std::chrono::hours(24 * 365 * 50);

core::Endpoint ep(const char* address, std::uint16_t port) {
    return core::Endpoint{*core::IpAddress::parse(address), port};
}

class Snap {
  public:
    explicit Snap(int second) {
        s_.taken_at = kT0 + std::chrono::seconds(second);
        s_.netns = 4026531840;
    }
    Snap& process(std::int32_t pid, const char* name, std::int64_t start = 1000) {
        core::Process p;
        p.pid = pid;
        p.name = name;
        p.start_time = start;
        s_.processes.push_back(p);
        return *this;
    }
    Snap& tcp(TcpState state, std::uint16_t local_port, std::uint64_t cookie, std::int32_t pid,
              std::uint16_t remote_port = 443) {
        core::Socket s;
        s.state = state;
        s.local = ep("10.0.0.1", local_port);
        s.remote = ep("10.0.0.2", remote_port);
        s.cookie = cookie;
        if (pid != 0) {
            s.owners = {pid};
            s.inode = 5000 + local_port;
        }
        s_.sockets.push_back(s);
        return *this;
    }
    Snap& listen(const char* address, std::uint16_t port, std::uint64_t cookie, std::int32_t pid) {
        tcp(TcpState::Listen, port, cookie, pid, 0);
        s_.sockets.back().local = ep(address, port);
        s_.sockets.back().remote = ep("0.0.0.0", 0);
        return *this;
    }
    Snap& udp(std::uint16_t port, std::uint64_t inode, std::int32_t pid) {
        core::Socket s;
        s.protocol = core::Protocol::Udp;
        s.state = TcpState::Close;
        s.local = ep("0.0.0.0", port);
        s.remote = ep("0.0.0.0", 0);
        s.inode = inode;
        s.owners = {pid};
        s_.sockets.push_back(s);
        return *this;
    }
    const core::Snapshot& get() const { return s_; }

  private:
    core::Snapshot s_;
};

core::EventBatch diff(SnapshotDiffer& d, const Snap& next) {
    core::EventBatch b;
    d.diff(next.get(), b);
    return b;
}

TEST(PollDiff, BaselineHasNoEventsThenOpenedWithItsOwner) {
    SnapshotDiffer d;
    d.baseline(Snap(0).process(10, "curl").tcp(TcpState::Established, 40000, 7, 10).get());
    EXPECT_EQ(d.tracked(), 1u);
    auto b = diff(d, Snap(1)
                         .process(10, "curl")
                         .tcp(TcpState::Established, 40000, 7, 10)
                         .tcp(TcpState::SynSent, 40001, 8, 10));
    ASSERT_EQ(b.ports.size(), 1u);
    const auto& e = b.ports[0];
    EXPECT_EQ(e.kind, PortEventKind::Opened);
    EXPECT_EQ(e.to, TcpState::SynSent);
    EXPECT_EQ(e.local.port, 40001);
    EXPECT_EQ(e.remote.to_string(), "10.0.0.2:443");
    EXPECT_EQ(e.cookie, 8u);
    EXPECT_EQ(e.netns, 4026531840u);
    EXPECT_EQ(e.at, kT0 + std::chrono::seconds(1));
    EXPECT_EQ(e.maker.pid, 10);
    EXPECT_EQ(e.maker.comm, "curl");
    EXPECT_EQ(e.maker.start_time, 1000);
    EXPECT_TRUE(e.maker_exact);
}

// A socket on a listener's port (its address or a wildcard) was accepted: inbound; any other
// socket with a peer was connect()ed from here: outbound; a listener has no direction.
TEST(PollDiff, DirectionIsInboundOnAListenersPortElseOutbound) {
    for (std::uint64_t cookie : {std::uint64_t{100}, std::uint64_t{0}}) {  // sock_diag, /proc/net
        auto listener = [&](Snap& s, const char* address, std::uint16_t port) -> Snap& {
            return s.listen(address, port, cookie == 0 ? 0 : cookie + port, 10);
        };
        SnapshotDiffer d;
        Snap first(0);
        first.process(10, "nginx");
        listener(first, "0.0.0.0", 443);
        listener(first, "10.0.0.9", 8080);
        d.baseline(first.get());
        Snap next(1);
        next.process(10, "nginx");
        listener(next, "0.0.0.0", 443);
        listener(next, "10.0.0.9", 8080);
        listener(next, "0.0.0.0", 9000);  // new: a listener
        auto c = [&](std::uint64_t n) { return cookie == 0 ? 0 : cookie + n; };
        next.tcp(TcpState::Established, 443, c(1), 10, 51000)   // accepted on :443
            .tcp(TcpState::Established, 8080, c(2), 10, 51001)  // not 10.0.0.9: outbound
            .tcp(TcpState::SynSent, 40000, c(3), 10, 443)       // connect()
            .tcp(TcpState::TimeWait, 443, c(4), 0, 51002);      // an accepted one, closed
        auto b = diff(d, next);
        ASSERT_EQ(b.ports.size(), 5u);
        std::map<std::uint16_t, core::Direction> by_remote;
        for (const auto& e : b.ports) {
            EXPECT_EQ(e.kind, PortEventKind::Opened);
            by_remote[e.remote.port] = e.direction;
        }
        EXPECT_EQ(by_remote[0], core::Direction::Unknown) << cookie;
        EXPECT_EQ(by_remote[51000], core::Direction::Inbound) << cookie;
        EXPECT_EQ(by_remote[51001], core::Direction::Outbound) << cookie;
        EXPECT_EQ(by_remote[443], core::Direction::Outbound) << cookie;
        EXPECT_EQ(by_remote[51002], core::Direction::Inbound) << cookie;
        // The direction stays with the socket: its close says it too.
        Snap last(2);
        last.process(10, "nginx");
        listener(last, "0.0.0.0", 443);
        listener(last, "10.0.0.9", 8080);
        listener(last, "0.0.0.0", 9000);
        last.tcp(TcpState::Established, 8080, c(2), 10, 51001)
            .tcp(TcpState::SynSent, 40000, c(3), 10, 443)
            .tcp(TcpState::TimeWait, 443, c(4), 0, 51002);
        b = diff(d, last);
        ASSERT_EQ(b.ports.size(), 1u);
        EXPECT_EQ(b.ports[0].kind, PortEventKind::Closed);
        EXPECT_EQ(b.ports[0].direction, core::Direction::Inbound);
    }
}

TEST(PollDiff, TimeWaitOfASocketSeenWithAnOwnerKeepsItsExactMaker) {
    for (std::uint64_t cookie : {std::uint64_t{77}, std::uint64_t{0}}) {  // by cookie, by tuple
        SnapshotDiffer d;
        d.baseline(Snap(0).process(10, "curl").tcp(TcpState::Established, 40000, cookie, 10).get());
        // The process closed first: the socket is a TIME_WAIT no descriptor holds.
        auto b = diff(d, Snap(1).tcp(TcpState::TimeWait, 40000, cookie, 0));
        ASSERT_EQ(b.ports.size(), 1u) << cookie;
        const auto& e = b.ports[0];
        EXPECT_EQ(e.kind, PortEventKind::StateChanged);
        EXPECT_EQ(e.from, TcpState::Established);
        EXPECT_EQ(e.to, TcpState::TimeWait);
        EXPECT_EQ(e.maker.pid, 10);
        EXPECT_EQ(e.maker.comm, "curl");
        EXPECT_TRUE(e.maker_exact);
        // TIME_WAIT ends: Closed, with the endpoints and the maker.
        b = diff(d, Snap(61));
        ASSERT_EQ(b.ports.size(), 1u);
        EXPECT_EQ(b.ports[0].kind, PortEventKind::Closed);
        EXPECT_EQ(b.ports[0].from, TcpState::TimeWait);
        EXPECT_EQ(b.ports[0].to, TcpState::Close);
        EXPECT_EQ(b.ports[0].local.to_string(), "10.0.0.1:40000");
        EXPECT_EQ(b.ports[0].remote.to_string(), "10.0.0.2:443");
        EXPECT_EQ(b.ports[0].cookie, cookie);
        EXPECT_EQ(b.ports[0].maker.pid, 10);
        EXPECT_EQ(d.tracked(), 0u);
    }
}

TEST(PollDiff, TimeWaitNeverSeenOpenHasNoMaker) {
    SnapshotDiffer d;
    d.baseline(Snap(0).get());
    // A connection that lived less than one interval.
    auto b = diff(d, Snap(1).tcp(TcpState::TimeWait, 40005, 99, 0));
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].kind, PortEventKind::Opened);
    EXPECT_EQ(b.ports[0].maker.pid, 0);
    EXPECT_FALSE(b.ports[0].maker_exact);
}

TEST(PollDiff, TimeWaitUnderAnotherKeyTakesTheMakerOfTheSameTupleNotExact) {
    SnapshotDiffer d;
    d.baseline(Snap(0).process(10, "curl").tcp(TcpState::Established, 40000, 5, 10).get());
    auto b = diff(d, Snap(1));  // gone (missed its TIME_WAIT), then seen under a new cookie
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].kind, PortEventKind::Closed);
    b = diff(d, Snap(2).tcp(TcpState::TimeWait, 40000, 6, 0));
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].kind, PortEventKind::Opened);
    EXPECT_EQ(b.ports[0].maker.pid, 10);
    EXPECT_FALSE(b.ports[0].maker_exact);
    // ... but not after `remember` has passed.
    SnapshotDiffer late(std::chrono::seconds(30));
    late.baseline(Snap(0).process(10, "curl").tcp(TcpState::Established, 40000, 5, 10).get());
    diff(late, Snap(1));
    b = diff(late, Snap(40));
    b = diff(late, Snap(41).tcp(TcpState::TimeWait, 40000, 6, 0));
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].maker.pid, 0);
}

TEST(PollDiff, AnOwnerSeenLaterMakesTheMakerExact) {
    SnapshotDiffer d;
    d.baseline(Snap(0).tcp(TcpState::SynSent, 40000, 3, 0).get());  // owner not read yet
    auto b = diff(d, Snap(1).process(12, "java").tcp(TcpState::Established, 40000, 3, 12));
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].kind, PortEventKind::StateChanged);
    EXPECT_EQ(b.ports[0].maker.pid, 12);
    EXPECT_TRUE(b.ports[0].maker_exact);
}

TEST(PollDiff, UnchangedSocketsMakeNoEvents) {
    SnapshotDiffer d;
    Snap s(0);
    s.process(10, "nginx");
    for (std::uint16_t p = 40000; p < 40100; ++p) {
        s.tcp(TcpState::Established, p, p, 10);
    }
    d.baseline(s.get());
    EXPECT_TRUE(diff(d, s).ports.empty());
    EXPECT_EQ(d.tracked(), 100u);
}

TEST(PollDiff, ReusePortSocketsWithoutCookiesAreTwoSockets) {
    SnapshotDiffer d;
    d.baseline(Snap(0).get());
    auto b = diff(d, Snap(1).process(20, "dns").udp(53, 900, 20).udp(53, 901, 20));
    EXPECT_EQ(b.ports.size(), 2u);
    b = diff(d, Snap(2).process(20, "dns").udp(53, 901, 20));
    ASSERT_EQ(b.ports.size(), 1u);
    EXPECT_EQ(b.ports[0].kind, PortEventKind::Closed);
    EXPECT_EQ(b.ports[0].protocol, core::Protocol::Udp);
}

// Forty snapshots of churn (sockets opened with and without an owner, turned TIME_WAIT,
// closed) against a model of what each socket is: every event once, with its states and the
// maker last seen holding that very socket. Slots of closed sockets are reused by new ones,
// which must not inherit anything from them.
TEST(PollDiff, ChurnMatchesAModelOfEverySocket) {
    struct Live {
        std::uint16_t port;
        TcpState state;
        std::int32_t owner;  // holding it now (0: none)
        std::int32_t maker;  // last seen holding it
    };
    std::map<std::uint64_t, Live> live;
    std::uint32_t seed = 2024;
    auto next = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 16;
    };
    std::uint64_t cookie = 1;
    using Row = std::tuple<PortEventKind, std::uint64_t, TcpState, TcpState, std::int32_t, bool>;
    auto snap_of = [&](int second) {
        Snap s(second);
        for (std::int32_t pid = 10; pid < 15; ++pid) {
            s.process(pid, "churn");
        }
        for (const auto& [c, l] : live) {
            s.tcp(l.state, l.port, c, l.owner);
        }
        return s;
    };
    auto open = [&](std::vector<Row>* want) {
        const std::int32_t owner = next() % 3 == 0 ? 0 : static_cast<std::int32_t>(10 + next() % 5);
        const std::uint64_t c = cookie++;
        live[c] = {static_cast<std::uint16_t>(1000 + c), TcpState::Established, owner, owner};
        if (want != nullptr) {
            want->emplace_back(PortEventKind::Opened, c, TcpState::Unknown, TcpState::Established,
                               owner, owner != 0);
        }
    };
    SnapshotDiffer d;
    for (int i = 0; i < 200; ++i) {
        open(nullptr);
    }
    d.baseline(snap_of(0).get());
    for (int second = 1; second <= 40; ++second) {
        std::vector<Row> want;
        for (auto it = live.begin(); it != live.end();) {
            auto& l = it->second;
            const unsigned roll = next() % 10;
            if (roll < 2) {
                want.emplace_back(PortEventKind::Closed, it->first, l.state, TcpState::Close,
                                  l.maker, l.maker != 0);
                it = live.erase(it);
                continue;
            }
            if (roll == 2 && l.state == TcpState::Established) {
                want.emplace_back(PortEventKind::StateChanged, it->first, l.state,
                                  TcpState::TimeWait, l.maker, l.maker != 0);
                l.state = TcpState::TimeWait;
                l.owner = 0;
            }
            ++it;
        }
        const unsigned opened = next() % 60;
        for (unsigned i = 0; i < opened; ++i) {
            open(&want);
        }
        auto b = diff(d, snap_of(second));
        std::vector<Row> got;
        for (const auto& e : b.ports) {
            got.emplace_back(e.kind, e.cookie, e.from, e.to, e.maker.pid, e.maker_exact);
        }
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        ASSERT_EQ(got, want) << "second " << second;
        ASSERT_EQ(d.tracked(), live.size());
    }
}

TEST(PollDiff, FirstDiffWithoutBaselineIsTheBaseline) {
    SnapshotDiffer d;
    EXPECT_FALSE(d.has_baseline());
    EXPECT_TRUE(diff(d, Snap(0).tcp(TcpState::Established, 40000, 1, 0)).ports.empty());
    EXPECT_TRUE(d.has_baseline());
}

}  // namespace
}  // namespace portwatch::collect
