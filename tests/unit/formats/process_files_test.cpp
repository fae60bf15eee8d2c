#include "formats/procfs/process_files.h"

#include <gtest/gtest.h>

#include <string>

namespace portwatch::formats {
namespace {

TEST(ProcessFiles, StatWithHostileComm) {
    auto f = parse_stat(
        "4242 (evil) (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
        "123456 1000 10 18446744073709551615");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->comm, "evil) (name");
    EXPECT_EQ(f->ppid, 1);
    EXPECT_EQ(f->start_ticks, 123456u);
    EXPECT_FALSE(parse_stat("4242 (truncated"));
    EXPECT_FALSE(parse_stat("4242 (x) S 1 2"));
}

TEST(ProcessFiles, StatusUid) {
    EXPECT_EQ(parse_status_uid("Name:\tx\nUmask:\t0022\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\n"),
              1000u);
    EXPECT_FALSE(parse_status_uid("Name:\tx\n"));
}

TEST(ProcessFiles, LimitsNofile) {
    std::string limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max cpu time              unlimited            unlimited            seconds   \n"
        "Max open files            1024                 524288               files     \n";
    EXPECT_EQ(parse_limits_nofile(limits), 1024u);
    EXPECT_FALSE(parse_limits_nofile(
        "Max open files            unlimited            unlimited            files\n"));
}

TEST(ProcessFiles, CgroupPrefersUnifiedHierarchy) {
    EXPECT_EQ(parse_cgroup("0::/system.slice/nginx.service\n"), "/system.slice/nginx.service");
    EXPECT_EQ(parse_cgroup("12:pids:/user.slice\n11:cpu:/x\n0::/init.scope\n"), "/init.scope");
    EXPECT_EQ(parse_cgroup("12:pids:/user.slice\n"), "/user.slice");
    EXPECT_EQ(parse_cgroup(""), "");
}

TEST(ProcessFiles, CmdlineJoinsArguments) {
    EXPECT_EQ(parse_cmdline(std::string("nginx\0-g\0daemon off;\0", 22)), "nginx -g daemon off;");
    EXPECT_EQ(parse_cmdline(""), "");
}

TEST(ProcessFiles, BootTime) {
    EXPECT_EQ(parse_boot_time("cpu  1 2 3\nbtime 1764100000\nprocesses 5\n"), 1764100000);
    EXPECT_FALSE(parse_boot_time("cpu 1\n"));
}

}  // namespace
}  // namespace portwatch::formats
