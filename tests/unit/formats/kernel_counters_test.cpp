#include "formats/procfs/kernel_counters.h"

#include <gtest/gtest.h>

namespace portwatch::formats {
namespace {

TEST(KernelCounters, SysctlNumbersAndRanges) {
    EXPECT_EQ(*parse_sysctl_number("262144\n"), 262144u);
    EXPECT_FALSE(parse_sysctl_number("12a\n"));
    EXPECT_FALSE(parse_sysctl_number(""));
    EXPECT_EQ(*parse_sysctl_port_range("32768\t60999\n"), (core::PortRange{32768, 60999}));
    EXPECT_FALSE(parse_sysctl_port_range("60999 32768"));
    EXPECT_FALSE(parse_sysctl_port_range("1 70000"));
    EXPECT_FALSE(parse_sysctl_port_range("1"));
    auto triple = parse_number_triple("188811\t251749\t377622\n");
    ASSERT_TRUE(triple);
    EXPECT_EQ((*triple)[2], 377622u);
    EXPECT_EQ(*parse_file_nr("2784\t0\t9223372036854775807\n"), 2784u);
}

TEST(KernelCounters, ReservedPorts) {
    EXPECT_TRUE(parse_reserved_ports("\n")->empty());
    auto r = parse_reserved_ports("8080,9000-9010\n");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0], (core::PortRange{8080, 8080}));
    EXPECT_EQ((*r)[1], (core::PortRange{9000, 9010}));
    EXPECT_FALSE(parse_reserved_ports("9010-9000"));
    EXPECT_FALSE(parse_reserved_ports("x"));
}

TEST(KernelCounters, Sockstat) {
    core::HostFacts f;
    apply_sockstat(
        "sockets: used 290\n"
        "TCP: inuse 7 orphan 1 tw 199 alloc 12 mem 3\n"
        "UDP: inuse 4 mem 2\n"
        "UDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n",
        f);
    apply_sockstat("TCP6: inuse 5\nUDP6: inuse 2\nUDPLITE6: inuse 0\n", f);
    EXPECT_EQ(f.tcp_inuse, 7u);
    EXPECT_EQ(f.tcp_orphan, 1u);
    EXPECT_EQ(f.tcp_tw, 199u);
    EXPECT_EQ(f.tcp_mem_pages, 3u);
    EXPECT_EQ(f.udp_inuse, 4u);
    EXPECT_EQ(f.tcp6_inuse, 5u);
    EXPECT_EQ(f.udp6_inuse, 2u);
}

TEST(KernelCounters, NetstatTcpExt) {
    core::HostFacts f;
    auto ok = apply_netstat(
        "TcpExt: SyncookiesSent TW TWRecycled TWKilled TCPTimeWaitOverflow TCPAbortOnMemory\n"
        "TcpExt: 0 10 3 0 7 1\n"
        "IpExt: InNoRoutes\nIpExt: 0\n",
        f);
    ASSERT_TRUE(ok);
    EXPECT_EQ(f.tw_recycled, 3u);
    EXPECT_EQ(f.tw_overflow, 7u);
    EXPECT_EQ(f.abort_on_memory, 1u);
    EXPECT_FALSE(f.memory_pressures.has_value());
    EXPECT_FALSE(apply_netstat("TcpExt: A B\nTcpExt: 1\n", f));
    EXPECT_FALSE(apply_netstat("IpExt: A\nIpExt: 1\n", f));
}

}  // namespace
}  // namespace portwatch::formats
