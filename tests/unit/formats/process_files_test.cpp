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

// /proc/self/mountinfo of a run in a mount namespace where /proc was mounted again with
// hidepid=2 over the host's (Linux 6.x prints the names; before 5.8 the numbers).
constexpr std::string_view kMountinfo =
    "21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "49 47 0:20 / /proc rw,relatime shared:12 - proc proc rw\n"
    "60 49 0:44 / /proc/sys/fs/binfmt_misc rw,relatime - binfmt_misc binfmt_misc rw\n"
    "69 49 0:39 / /proc rw,relatime - proc proc rw,gid=27,hidepid=invisible\n";

TEST(ProcMount, HidepidOfTheTopMount) {
    auto m = parse_proc_mount(kMountinfo, "/proc");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->hidepid, HidePid::Invisible);
    EXPECT_EQ(m->gid, 27u);
    EXPECT_TRUE(parse_proc_mount(kMountinfo, "/proc/"));
    EXPECT_FALSE(parse_proc_mount(kMountinfo, "/sys"));  // not proc
    EXPECT_FALSE(parse_proc_mount(kMountinfo, "/tmp/fixture-root"));
    EXPECT_FALSE(parse_proc_mount("", "/proc"));
}

TEST(ProcMount, EveryHidepidSpelling) {
    auto hidepid = [](std::string_view options) {
        std::string line = "1 0 0:5 / /proc rw - proc proc " + std::string(options) + "\n";
        return parse_proc_mount(line, "/proc")->hidepid;
    };
    EXPECT_EQ(hidepid("rw"), HidePid::Off);
    EXPECT_EQ(hidepid("rw,hidepid=0"), HidePid::Off);
    EXPECT_EQ(hidepid("rw,hidepid=off"), HidePid::Off);
    EXPECT_EQ(hidepid("rw,hidepid=1"), HidePid::NoAccess);
    EXPECT_EQ(hidepid("rw,hidepid=noaccess"), HidePid::NoAccess);
    EXPECT_EQ(hidepid("rw,hidepid=2"), HidePid::Invisible);
    EXPECT_EQ(hidepid("rw,hidepid=invisible,subset=pid"), HidePid::Invisible);
    EXPECT_EQ(hidepid("rw,hidepid=4"), HidePid::Ptraceable);
    EXPECT_EQ(hidepid("rw,hidepid=ptraceable"), HidePid::Ptraceable);
}

}  // namespace
}  // namespace portwatch::formats
