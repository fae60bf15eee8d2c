#include <gtest/gtest.h>

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
    attach_owners(sockets, scan);
    EXPECT_EQ(sockets[0].owners, (std::vector<std::int32_t>{7, 9}));
    EXPECT_EQ(sockets[0].attribution, core::Attribution::Owned);
    EXPECT_TRUE(sockets[1].owners.empty());
    EXPECT_EQ(sockets[1].attribution, core::Attribution::Unknown);
    EXPECT_EQ(sockets[2].owners, (std::vector<std::int32_t>{7}));
    EXPECT_TRUE(sockets[3].owners.empty());
}

}  // namespace
}  // namespace portwatch::collect
