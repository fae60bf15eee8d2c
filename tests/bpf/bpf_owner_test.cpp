// The eBPF owner pass against the /proc one, on processes the test forks into a network
// namespace of its own: the same (inode, pid) pairs, descriptor for descriptor, and the same
// descriptor counts; then the same owners end to end through `portwatch snapshot`.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "collect/linux/owner_source.h"
#include "collect/linux/procfs/fd_scan.h"
#include "holders.h"
#include "owner_test_support.h"

namespace {

using namespace portwatch::testing;

// "parent": a TCP listener and a UDP socket (also dup()ed) shared with its forked "child",
// which connects to the listener; the parent accepts. "threads": a process with three threads
// sharing one table of 3,000 sockets, more than one read() of the iterator returns.
void spawn_population(Holders& holders) {
    holders.spawn("parent", 2, [](Holders::Context& ctx) {
        std::uint16_t port = 0;
        int listener = tcp_listener(port);
        int udp = udp_socket();
        ::dup(udp);
        Holders::report_named(ctx, "listener", listener);
        Holders::report_named(ctx, "udp", udp);
        pid_t child = ::fork();
        if (child == 0) {
            ctx.role = "child";
            int client = tcp_client(port);
            Holders::report_named(ctx, "client", client);
            Holders::report(ctx);
            Holders::hold(ctx);
            ::_exit(0);
        }
        int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (accepted < 0) {
            ::_exit(5);
        }
        Holders::report_named(ctx, "accepted", accepted);
        Holders::report(ctx);
        Holders::hold(ctx);
    });
    holders.spawn("threads", 1, [](Holders::Context& ctx) {
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
        ::setrlimit(RLIMIT_NOFILE, &limit);
        for (int i = 0; i < 3000; ++i) {
            if (::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0) {
                ::_exit(6);
            }
        }
        std::vector<std::thread> threads;
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&ctx] { Holders::hold(ctx); });
        }
        Holders::report(ctx);
        Holders::hold(ctx);
        for (auto& t : threads) {
            t.join();
        }
    });
}

std::set<std::int32_t> pids_of(const HolderTruth& truth) {
    std::set<std::int32_t> pids;
    for (const auto& [role, pid] : truth.pids) {
        pids.insert(pid);
    }
    return pids;
}

TEST_F(BpfOwners, SameSocketsAndCountsAsProc) {
    spawn_population(*holders_);
    HolderTruth truth;
    ASSERT_TRUE(holders_->wait(truth));
    const auto pids = pids_of(truth);
    ASSERT_EQ(pids.size(), 3u);

    auto by_bpf = bpf_->scan();
    ASSERT_TRUE(by_bpf) << by_bpf.error().message;
    auto by_proc = portwatch::collect::procfs::ProcFdScanner("/proc").scan();
    ASSERT_TRUE(by_proc) << by_proc.error().message;

    // Descriptor for descriptor: dup()s count twice, fork()-shared sockets once per process,
    // and the threads sharing one table add nothing.
    EXPECT_EQ(pairs_of(*by_bpf, pids), truth.sockets);
    EXPECT_EQ(pairs_of(*by_proc, pids), truth.sockets);
    EXPECT_EQ(counts_of(*by_bpf, pids), truth.fd_counts);
    EXPECT_EQ(counts_of(*by_proc, pids), truth.fd_counts);
    EXPECT_EQ(truth.fd_counts.at(truth.pids.at("threads")) >= 3000, true);

    const auto parent = truth.pids.at("parent");
    const auto child = truth.pids.at("child");
    const Pairs shared = {{truth.named.at("listener"), parent},
                          {truth.named.at("listener"), child}};
    for (const auto& pair : shared) {
        EXPECT_EQ(pairs_of(*by_bpf, pids).count(pair), 1u) << "inode " << pair.first;
    }
    EXPECT_EQ(pairs_of(*by_bpf, pids).count({truth.named.at("udp"), parent}), 2u);  // dup()

    // A second walk of the same iterator link sees the same.
    auto again = bpf_->scan();
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(pairs_of(*again, pids), truth.sockets);
}

// `portwatch snapshot --netns <ns> --json` names the same owners with either pass.
std::map<std::uint64_t, std::vector<std::int32_t>> owners_by_inode(const nlohmann::json& snapshot) {
    std::map<std::uint64_t, std::vector<std::int32_t>> out;
    for (const auto& socket : snapshot.at("sockets")) {
        out[socket.at("inode").get<std::uint64_t>()] =
            socket.at("pids").get<std::vector<std::int32_t>>();
    }
    return out;
}

TEST_F(BpfOwners, SnapshotCommandReportsSameOwnersAsProc) {
    spawn_population(*holders_);
    HolderTruth truth;
    ASSERT_TRUE(holders_->wait(truth));

    auto snapshot = [&](const char* owners) {
        auto text = portwatch::testing::checked_output({PORTWATCH_BINARY, "snapshot",
                                                        std::string("--owners=") + owners,
                                                        "--netns", ns_->name(), "--json"});
        return nlohmann::json::parse(text, nullptr, false);
    };
    auto with_bpf = snapshot("bpf");
    auto with_proc = snapshot("proc");
    ASSERT_FALSE(with_bpf.is_discarded());
    ASSERT_FALSE(with_proc.is_discarded());
    EXPECT_EQ(with_bpf.at("source").at("owners"), "bpf");
    EXPECT_EQ(with_proc.at("source").at("owners"), "proc");
    const auto bpf_owners = owners_by_inode(with_bpf);
    EXPECT_EQ(bpf_owners, owners_by_inode(with_proc));

    const auto parent = truth.pids.at("parent");
    const auto child = truth.pids.at("child");
    using Pids = std::vector<std::int32_t>;
    EXPECT_EQ(bpf_owners.at(truth.named.at("listener")),
              (Pids{std::min(parent, child), std::max(parent, child)}));
    EXPECT_EQ(bpf_owners.at(truth.named.at("udp")),
              (Pids{std::min(parent, child), std::max(parent, child)}));
    EXPECT_EQ(bpf_owners.at(truth.named.at("accepted")), Pids{parent});
    EXPECT_EQ(bpf_owners.at(truth.named.at("client")), Pids{child});

    std::map<std::int32_t, std::uint32_t> bpf_counts;
    for (const auto& process : with_bpf.at("processes")) {
        bpf_counts[process.at("pid").get<std::int32_t>()] =
            process.at("fd_count").get<std::uint32_t>();
    }
    EXPECT_EQ(bpf_counts.at(parent), truth.fd_counts.at(parent));
    EXPECT_EQ(bpf_counts.at(child), truth.fd_counts.at(child));
}

}  // namespace
