// Folding the iterator's per-descriptor records into an OwnerScan, without a kernel.

#include "collect/linux/bpf/fd_records.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using portwatch::collect::bpf::fold_fd_records;

constexpr __u32 kSocket = PW_FD_SOCKET;
constexpr __u32 kLeader = PW_FD_LEADER_TABLE;

TEST(FoldFdRecords, EmptyWalkGivesEmptyScan) {
    auto scan = fold_fd_records({});
    EXPECT_TRUE(scan.sockets.empty());
    EXPECT_TRUE(scan.fd_counts.empty());
    EXPECT_TRUE(scan.warnings.empty());
}

TEST(FoldFdRecords, SocketsKeepEveryDescriptorAndCountsEveryFile) {
    std::vector<pw_fd_record> records = {
        {0, 10, kLeader},  // a pipe
        {500, 10, kSocket | kLeader},
        {500, 10, kSocket | kLeader},  // dup() of the same socket
        {0, 11, kLeader},
        {501, 11, kSocket | kLeader},
        {500, 11, kSocket | kLeader},  // shared after fork()
    };
    auto scan = fold_fd_records(records);
    ASSERT_EQ(scan.sockets.size(), 4u);
    EXPECT_EQ(scan.sockets[0].inode, 500u);
    EXPECT_EQ(scan.sockets[0].pid, 10);
    EXPECT_EQ(scan.sockets[1].inode, 500u);
    EXPECT_EQ(scan.sockets[2].inode, 501u);
    EXPECT_EQ(scan.sockets[2].pid, 11);
    ASSERT_EQ(scan.fd_counts.size(), 2u);
    EXPECT_EQ(scan.fd_counts[0].pid, 10);
    EXPECT_EQ(scan.fd_counts[0].count, 3u);
    EXPECT_EQ(scan.fd_counts[1].pid, 11);
    EXPECT_EQ(scan.fd_counts[1].count, 3u);
}

TEST(FoldFdRecords, PrivateThreadTableOwnsSocketsButAddsNoCount) {
    std::vector<pw_fd_record> records = {
        {700, 20, kSocket | kLeader},
        {0, 20, kLeader},
        {700, 20, kSocket},  // a thread's unshared copy of the table
        {701, 20, kSocket},  // opened by that thread only
    };
    auto scan = fold_fd_records(records);
    ASSERT_EQ(scan.sockets.size(), 3u);
    EXPECT_EQ(scan.sockets[2].inode, 701u);
    EXPECT_EQ(scan.sockets[2].pid, 20);
    ASSERT_EQ(scan.fd_counts.size(), 1u);
    EXPECT_EQ(scan.fd_counts[0].count, 2u);
}

TEST(FoldFdRecords, SplitRunsOfOnePidMergeAndCountsComeOutAscending) {
    std::vector<pw_fd_record> records = {
        {0, 30, kLeader}, {0, 5, kLeader}, {0, 5, kLeader}, {0, 30, kLeader}, {0, 7, kLeader},
    };
    auto scan = fold_fd_records(records);
    ASSERT_EQ(scan.fd_counts.size(), 3u);
    EXPECT_EQ(scan.fd_counts[0].pid, 5);
    EXPECT_EQ(scan.fd_counts[0].count, 2u);
    EXPECT_EQ(scan.fd_counts[1].pid, 7);
    EXPECT_EQ(scan.fd_counts[1].count, 1u);
    EXPECT_EQ(scan.fd_counts[2].pid, 30);
    EXPECT_EQ(scan.fd_counts[2].count, 2u);
}

}  // namespace
