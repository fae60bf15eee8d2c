#include "analyze/attribution.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "snapshot_builder.h"

namespace portwatch::analyze {
namespace {

using core::TcpState;
using test::ep;

TEST(Attribution, TimeWaitInheritsTheOwnerOfOtherSocketsToTheSameRemoteEndpoint) {
    test::SnapshotBuilder b(40000, 40099);
    b.process(42, "client");
    b.tcp(TcpState::Established, ep("10.0.0.1", 40001), ep("10.0.0.9", 443), 42)
        .tcp(TcpState::TimeWait, ep("10.0.0.1", 40002), ep("10.0.0.9", 443))
        .tcp(TcpState::TimeWait, ep("10.0.0.1", 40003), ep("10.0.0.9", 80));  // nobody talks to :80
    auto owners = EffectiveOwners::build(b.snapshot());
    ASSERT_EQ(owners.of(1).size(), 1u);
    EXPECT_EQ(owners.of(1)[0], 42);
    EXPECT_TRUE(owners.inferred(1));
    EXPECT_FALSE(owners.inferred(0));
    EXPECT_TRUE(owners.of(2).empty());
    EXPECT_EQ(owners.inferred_count(), 1u);
    EXPECT_EQ(owners.unowned_time_wait(), 1u);
}

TEST(Attribution, V4MappedRemoteMatchesTheIpv4Form) {
    test::SnapshotBuilder b(40000, 40099);
    b.tcp(TcpState::Established, ep("::ffff:10.0.0.1", 40001), ep("::ffff:10.0.0.9", 443), 7)
        .tcp(TcpState::TimeWait, ep("10.0.0.1", 40002), ep("10.0.0.9", 443));
    auto owners = EffectiveOwners::build(b.snapshot());
    ASSERT_EQ(owners.of(1).size(), 1u);
    EXPECT_EQ(owners.of(1)[0], 7);
}

TEST(Attribution, AttributeTimeWaitLabelsTheSnapshot) {
    test::SnapshotBuilder b(40000, 40099);
    b.tcp(TcpState::Established, ep("10.0.0.1", 40001), ep("10.0.0.9", 443), 42)
        .tcp(TcpState::Established, ep("10.0.0.1", 40005), ep("10.0.0.9", 443), 43)
        .tcp(TcpState::TimeWait, ep("10.0.0.1", 40002), ep("10.0.0.9", 443));
    EXPECT_EQ(attribute_time_wait(b.snapshot()), 1u);
    const auto& tw = b.snapshot().sockets[2];
    EXPECT_EQ(tw.owners, (std::vector<std::int32_t>{42, 43}));
    EXPECT_EQ(tw.attribution, core::Attribution::InferredEndpoint);
}

TEST(Attribution, TimeWaitRecordedByTheMonitorKeepsItsExactOwner) {
    test::SnapshotBuilder b(40000, 40099);
    b.tcp(TcpState::Established, ep("10.0.0.1", 40001), ep("10.0.0.9", 443), 42)
        .tcp(TcpState::TimeWait, ep("10.0.0.1", 40002), ep("10.0.0.9", 443));
    auto& tw = b.snapshot().sockets[1];
    tw.owners = {77};  // the process that made it, which talks to nobody now
    tw.attribution = core::Attribution::Recorded;
    auto owners = EffectiveOwners::build(b.snapshot());
    EXPECT_FALSE(owners.inferred(1));
    EXPECT_EQ(owners.of(1)[0], 77);
    EXPECT_EQ(owners.inferred_count(), 0u);
    EXPECT_EQ(owners.unowned_time_wait(), 0u);
    EXPECT_EQ(attribute_time_wait(b.snapshot()), 0u);
    EXPECT_EQ(tw.owners, std::vector<std::int32_t>{77});
    EXPECT_EQ(tw.attribution, core::Attribution::Recorded);
}

// Many endpoints, talkers and closed sockets in random order, some talkers holding one socket
// between two processes: every closed socket's inferred owners are exactly the pids of the
// live TCP sockets to its remote endpoint (v4-mapped and plain IPv4 alike), ascending, once.
TEST(Attribution, InferredOwnersAreEveryTalkerToTheSameEndpoint) {
    std::mt19937 random(8);
    auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    const TcpState closed[] = {TcpState::TimeWait, TcpState::FinWait1, TcpState::FinWait2,
                               TcpState::Closing, TcpState::LastAck};
    test::SnapshotBuilder b(40000, 60000);
    for (int i = 0; i < 3000; ++i) {
        const int host = pick(12);
        const std::string address =
            (pick(4) == 0 ? "::ffff:10.0.0." : "10.0.0.") + std::to_string(host);
        auto remote = ep(address, static_cast<std::uint16_t>(443 + pick(3)));
        auto local = ep(pick(4) == 0 ? "::ffff:10.1.0.1" : "10.1.0.1",
                        static_cast<std::uint16_t>(40000 + i));
        if (pick(3) == 0) {
            b.tcp(closed[pick(5)], local, remote);
        } else {
            b.tcp(pick(6) == 0 ? TcpState::CloseWait : TcpState::Established, local, remote,
                  1 + pick(9));
            if (pick(5) == 0) {
                b.snapshot().sockets.back().owners.insert(
                    b.snapshot().sockets.back().owners.begin(), 20 + pick(3));
            }
        }
    }
    b.udp(ep("10.1.0.1", 5353), ep("10.0.0.3", 443), 99);  // UDP talks, but infers nothing
    const auto& sockets = b.snapshot().sockets;
    auto owners = EffectiveOwners::build(b.snapshot());
    std::uint32_t inferred = 0;
    std::uint32_t unowned = 0;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        if (!s.owners.empty() || s.protocol != core::Protocol::Tcp) {
            EXPECT_FALSE(owners.inferred(i));
            continue;
        }
        std::set<std::int32_t> expected;
        for (const auto& other : sockets) {
            if (other.protocol == core::Protocol::Tcp && other.remote.port == s.remote.port &&
                other.remote.address.normalized() == s.remote.address.normalized()) {
                expected.insert(other.owners.begin(), other.owners.end());
            }
        }
        auto got = owners.of(i);
        EXPECT_EQ(std::vector<std::int32_t>(got.begin(), got.end()),
                  std::vector<std::int32_t>(expected.begin(), expected.end()))
            << "socket " << i;
        EXPECT_EQ(owners.inferred(i), !expected.empty());
        inferred += !expected.empty();
        unowned += expected.empty() && s.state == TcpState::TimeWait;
    }
    EXPECT_GT(inferred, 500u);
    EXPECT_EQ(owners.inferred_count(), inferred);
    EXPECT_EQ(owners.unowned_time_wait(), unowned);
}

}  // namespace
}  // namespace portwatch::analyze
