#include "collect/linux/recorded_makers.h"

#include <gtest/gtest.h>

#include <map>

namespace portwatch::collect {
namespace {

core::Socket tcp(core::TcpState state, std::uint64_t cookie,
                 std::vector<std::int32_t> owners = {}) {
    core::Socket s;
    s.protocol = core::Protocol::Tcp;
    s.state = state;
    s.cookie = cookie;
    s.owners = core::PidList(owners.begin(), owners.end());
    s.attribution = s.owners.empty() ? core::Attribution::Unknown : core::Attribution::Owned;
    return s;
}

core::Maker maker(std::int32_t pid, const char* comm, std::int64_t start) {
    core::Maker m;
    m.pid = pid;
    m.comm = comm;
    m.start_time = start;
    return m;
}

MakerLookup lookup_in(std::map<std::uint64_t, core::Maker> recorded) {
    return [recorded = std::move(recorded)](std::uint64_t cookie) -> std::optional<core::Maker> {
        auto it = recorded.find(cookie);
        return it == recorded.end() ? std::nullopt : std::optional(it->second);
    };
}

TEST(RecordedMakers, OwnerlessTcpSocketsWithARecordedCookieGetTheirMaker) {
    std::vector<core::Socket> sockets = {
        tcp(core::TcpState::TimeWait, 11),            // recorded: exact
        tcp(core::TcpState::FinWait2, 12),            // timewait FIN_WAIT2: exact too
        tcp(core::TcpState::TimeWait, 13),            // not recorded: left alone
        tcp(core::TcpState::Established, 14, {300}),  // held by a descriptor: stays owned
        tcp(core::TcpState::TimeWait, 0),             // no cookie (procfs): never looked up
    };
    core::Socket udp = tcp(core::TcpState::Close, 15);
    udp.protocol = core::Protocol::Udp;
    sockets.push_back(udp);
    auto lookup = lookup_in({{11, maker(200, "client", 1000)},
                             {12, maker(200, "client", 1000)},
                             {14, maker(201, "other", 1000)},
                             {15, maker(202, "dns", 1000)},
                             {0, maker(203, "zero", 1000)}});
    auto makers = attach_recorded_makers(sockets, lookup);
    ASSERT_EQ(makers.size(), 1u);  // one per pid
    EXPECT_EQ(makers[0].pid, 200);
    EXPECT_EQ(sockets[0].owners, std::vector<std::int32_t>{200});
    EXPECT_EQ(sockets[0].attribution, core::Attribution::Recorded);
    EXPECT_EQ(sockets[1].attribution, core::Attribution::Recorded);
    EXPECT_EQ(sockets[2].attribution, core::Attribution::Unknown);
    EXPECT_EQ(sockets[3].owners, std::vector<std::int32_t>{300});
    EXPECT_EQ(sockets[3].attribution, core::Attribution::Owned);
    EXPECT_TRUE(sockets[4].owners.empty());
    EXPECT_TRUE(sockets[5].owners.empty());
    EXPECT_EQ(core::attribution_name(core::Attribution::Recorded), "exact");
}

TEST(RecordedMakers, ExitedMakersAreNamedAndReusedPidsGiveTheirSocketsBack) {
    std::vector<core::Socket> sockets = {tcp(core::TcpState::TimeWait, 1),
                                         tcp(core::TcpState::TimeWait, 2),
                                         tcp(core::TcpState::TimeWait, 3)};
    auto makers = attach_recorded_makers(sockets, lookup_in({{1, maker(30, "gone", 5000)},
                                                             {2, maker(20, "alive", 4000)},
                                                             {3, maker(10, "old", 3000)}}));
    ASSERT_EQ(makers.size(), 3u);
    // As procfs::read_processes yields them: 30 has exited (pid only), 20 is the maker
    // (start time within rounding), 10 is now another process (started later).
    std::vector<core::Process> processes(3);
    processes[0].pid = 30;
    processes[1].pid = 20;
    processes[1].name = "alive";
    processes[1].start_time = 4001;
    processes[2].pid = 10;
    processes[2].name = "newcomer";
    processes[2].start_time = 9000;
    EXPECT_EQ(settle_recorded_makers(sockets, makers, processes), 1u);
    ASSERT_EQ(processes.size(), 2u);  // ascending pid, the newcomer gone
    EXPECT_EQ(processes[0].pid, 20);
    EXPECT_EQ(processes[1].pid, 30);
    EXPECT_EQ(processes[1].name, "gone");
    EXPECT_EQ(processes[1].start_time, 5000);
    EXPECT_EQ(sockets[0].owners, std::vector<std::int32_t>{30});
    EXPECT_EQ(sockets[1].owners, std::vector<std::int32_t>{20});
    EXPECT_TRUE(sockets[2].owners.empty());
    EXPECT_EQ(sockets[2].attribution, core::Attribution::Unknown);
}

}  // namespace
}  // namespace portwatch::collect
