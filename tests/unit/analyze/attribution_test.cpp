#include "analyze/attribution.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace portwatch::analyze
