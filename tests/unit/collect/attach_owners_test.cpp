#include <gtest/gtest.h>

#include <algorithm>

#include "collect/linux/owner_source.h"

namespace portwatch::collect {
namespace {

core::Socket with_inode(std::uint64_t inode) {
    core::Socket s;
    s.inode = inode;
    return s;
}

TEST(AttachOwners, JoinsByInodeWithSharedAndRepeatedFds) {
    std::vector<core::Socket> sockets = {with_inode(100), with_inode(0), with_inode(200),
                                         with_inode(300)};
    OwnerScan scan;
    // pid 7 holds 100 twice (dup); 100 is shared with a forked child 9; 0 is never a key.
    scan.sockets = {{100, 9}, {200, 7}, {100, 7}, {100, 7}, {0, 5}};
    prepare_owner_scan(scan);
    EXPECT_EQ(attach_owners(sockets, scan), (std::vector<std::int32_t>{7, 9}));  // the holders
    EXPECT_EQ(sockets[0].owners, (std::vector<std::int32_t>{7, 9}));
    EXPECT_EQ(sockets[0].attribution, core::Attribution::Owned);
    EXPECT_TRUE(sockets[1].owners.empty());
    EXPECT_EQ(sockets[1].attribution, core::Attribution::Unknown);
    EXPECT_EQ(sockets[2].owners, (std::vector<std::int32_t>{7}));
    EXPECT_TRUE(sockets[3].owners.empty());
}

// Past the size split over two threads, with inodes that share hash slots (multiples of the
// table size collide in Fibonacci hashing only by chance: a run of consecutive inodes and a
// stride of powers of two both occur in practice) and many sockets no descriptor refers to.
TEST(AttachOwners, LargeTablesJoinEverySocketOnce) {
    constexpr std::uint64_t kSockets = 60000;
    std::vector<core::Socket> sockets;
    OwnerScan scan;
    for (std::uint64_t i = 0; i < kSockets; ++i) {
        const std::uint64_t inode = i % 2 == 0 ? 1000 + i : (i << 20);
        sockets.push_back(with_inode(inode));
        if (i % 3 != 0) {
            scan.sockets.push_back({inode, static_cast<std::int32_t>(100 + i % 7)});
        }
        if (i % 5 == 0) {
            scan.sockets.push_back({inode, 99});  // a second holder
        }
    }
    prepare_owner_scan(scan);
    // Holders from both halves, each once, though pids 100 and 164 share a slot of the
    // memory of pids already listed.
    scan.sockets.push_back({1000, 164});
    std::sort(scan.sockets.begin(), scan.sockets.end(), [](const SocketRef& a, const SocketRef& b) {
        return a.inode != b.inode ? a.inode < b.inode : a.pid < b.pid;
    });
    index_owner_scan(scan);
    EXPECT_EQ(attach_owners(sockets, scan),
              (std::vector<std::int32_t>{99, 100, 101, 102, 103, 104, 105, 106, 164}));
    sockets.front().owners.erase(sockets.front().owners.end() - 1);  // 164: not in `expected`
    for (std::uint64_t i = 0; i < kSockets; ++i) {
        std::vector<std::int32_t> expected;
        if (i % 5 == 0) {
            expected.push_back(99);
        }
        if (i % 3 != 0) {
            expected.push_back(static_cast<std::int32_t>(100 + i % 7));
        }
        ASSERT_EQ(sockets[i].owners, expected) << "socket " << i;
        ASSERT_EQ(sockets[i].attribution,
                  expected.empty() ? core::Attribution::Unknown : core::Attribution::Owned);
    }
}

// A prepared scan whose pairs were thinned (the monitor's owner cache drops closed sockets)
// must be indexed again: the index holds positions.
TEST(AttachOwners, ReindexedScanAfterRemovalJoinsTheRest) {
    OwnerScan scan;
    scan.sockets = {{10, 1}, {20, 2}, {30, 3}, {40, 4}};
    prepare_owner_scan(scan);
    std::erase_if(scan.sockets, [](const SocketRef& r) { return r.inode == 20; });
    index_owner_scan(scan);
    std::vector<core::Socket> sockets = {with_inode(20), with_inode(30), with_inode(40)};
    attach_owners(sockets, scan);
    EXPECT_TRUE(sockets[0].owners.empty());
    EXPECT_EQ(sockets[1].owners, (std::vector<std::int32_t>{3}));
    EXPECT_EQ(sockets[2].owners, (std::vector<std::int32_t>{4}));
}

TEST(AttachOwners, UnpreparedOrEmptyScanAttachesNothing) {
    std::vector<core::Socket> sockets = {with_inode(5)};
    OwnerScan scan;
    attach_owners(sockets, scan);
    prepare_owner_scan(scan);
    attach_owners(sockets, scan);
    EXPECT_TRUE(sockets[0].owners.empty());
}

}  // namespace
}  // namespace portwatch::collect
