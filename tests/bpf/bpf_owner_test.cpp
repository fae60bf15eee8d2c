// The eBPF owner pass against the /proc one, on processes the test forks into a network
// namespace of its own: the same (inode, pid) pairs, descriptor for descriptor, and the same
// descriptor counts; then the same owners end to end through `portwatch snapshot`.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "collect/owner_source.h"
#include "collect/procfs/fd_scan.h"
#include "holders.h"

namespace {

using portwatch::collect::OwnerMode;
using portwatch::collect::OwnerScan;
using portwatch::collect::OwnerSource;
using portwatch::testing::HolderTruth;
using portwatch::testing::Holders;
using portwatch::testing::TestNamespace;
using Pairs = std::multiset<std::pair<std::uint64_t, std::int32_t>>;

// The eBPF source, or nullptr after skipping (failing when CI is set) with the reason.
std::unique_ptr<OwnerSource> bpf_source() {
    std::vector<portwatch::core::Warning> warnings;
    auto source = portwatch::collect::make_owner_source(OwnerMode::Bpf, "/proc", warnings);
    if (source) {
        return std::move(*source);
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "eBPF owner pass cannot run: " << source.error().message;
    } else {
        std::cerr << "skipping: eBPF owner pass cannot run: " << source.error().message << '\n';
    }
    return nullptr;
}

Pairs pairs_of(const OwnerScan& scan, const std::set<std::int32_t>& pids) {
    Pairs out;
    for (const auto& ref : scan.sockets) {
        if (pids.contains(ref.pid)) {
            out.insert({ref.inode, ref.pid});
        }
    }
    return out;
}

std::map<std::int32_t, std::uint32_t> counts_of(const OwnerScan& scan,
                                                const std::set<std::int32_t>& pids) {
    std::map<std::int32_t, std::uint32_t> out;
    for (const auto& count : scan.fd_counts) {
        if (pids.contains(count.pid)) {
            EXPECT_FALSE(out.contains(count.pid)) << "pid " << count.pid << " counted twice";
            out[count.pid] = count.count;
        }
    }
    return out;
}

int tcp_listener(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::_exit(2);
    }
    port = ntohs(addr.sin_port);
    return fd;
}

int tcp_client(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::_exit(3);
    }
    return fd;
}

int udp_socket() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::_exit(4);
    }
    return fd;
}

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

TEST(BpfOwners, SameSocketsAndCountsAsProc) {
    if (!portwatch::testing::require_root("the eBPF owner test")) {
        GTEST_SKIP() << "needs root";
    }
    auto bpf = bpf_source();
    if (!bpf) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    TestNamespace ns;
    ASSERT_TRUE(ns.ok()) << "cannot create network namespace " << ns.name();
    Holders holders(ns.path());
    spawn_population(holders);
    HolderTruth truth;
    ASSERT_TRUE(holders.wait(truth));
    const auto pids = pids_of(truth);
    ASSERT_EQ(pids.size(), 3u);

    auto by_bpf = bpf->scan();
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
    const Pairs shared = {{truth.named.at("listener"), parent}, {truth.named.at("listener"), child}};
    for (const auto& pair : shared) {
        EXPECT_EQ(pairs_of(*by_bpf, pids).count(pair), 1u) << "inode " << pair.first;
    }
    EXPECT_EQ(pairs_of(*by_bpf, pids).count({truth.named.at("udp"), parent}), 2u);  // dup()

    // A second walk of the same iterator link sees the same.
    auto again = bpf->scan();
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(pairs_of(*again, pids), truth.sockets);
}

// A thread that unshares its file table holds a socket no /proc/<pid>/fd lists. The eBPF pass
// attributes it to the thread's process; the process's descriptor count stays /proc's.
TEST(BpfOwners, PrivateThreadTableIsAttributedToItsProcess) {
    if (!portwatch::testing::require_root("the eBPF owner test")) {
        GTEST_SKIP() << "needs root";
    }
    auto bpf = bpf_source();
    if (!bpf) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    TestNamespace ns;
    ASSERT_TRUE(ns.ok()) << "cannot create network namespace " << ns.name();
    Holders holders(ns.path());
    holders.spawn("unshared", 1, [](Holders::Context& ctx) {
        int shared = udp_socket();
        Holders::report_named(ctx, "shared", shared);
        std::thread thread([&ctx] {
            if (::unshare(CLONE_FILES) != 0) {
                ::_exit(7);
            }
            int own = udp_socket();
            Holders::report_named(ctx, "private", own);
            Holders::report(ctx);  // the thread's table now: the main table's copy plus `own`
            Holders::hold(ctx);
        });
        Holders::hold(ctx);
        thread.join();
    });
    HolderTruth truth;
    ASSERT_TRUE(holders.wait(truth));
    const auto pid = truth.pids.at("unshared");
    const auto own = truth.named.at("private");

    auto by_bpf = bpf->scan();
    ASSERT_TRUE(by_bpf) << by_bpf.error().message;
    auto by_proc = portwatch::collect::procfs::ProcFdScanner("/proc").scan();
    ASSERT_TRUE(by_proc) << by_proc.error().message;
    const auto bpf_pairs = pairs_of(*by_bpf, {pid});
    const auto proc_pairs = pairs_of(*by_proc, {pid});
    EXPECT_EQ(proc_pairs.count({own, pid}), 0u);
    EXPECT_EQ(bpf_pairs.count({own, pid}), 1u);
    EXPECT_EQ(bpf_pairs.count({truth.named.at("shared"), pid}), 2u);  // main table + thread's copy
    EXPECT_EQ(counts_of(*by_bpf, {pid}), counts_of(*by_proc, {pid}));
    EXPECT_EQ(counts_of(*by_bpf, {pid}).at(pid) + 1, truth.fd_counts.at(pid));
}

// Run in a pid namespace of its own (with its own /proc), the eBPF pass must number processes
// as that /proc does, not by their ids in the initial namespace. Returns "" on success, else
// what differed. Runs in a forked child: no gtest assertions here.
std::string compare_in_pid_namespace() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        return std::string("cannot mount a private /proc: ") + std::strerror(errno);
    }
    int shared = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int release[2];
    if (shared < 0 || ::pipe(release) != 0) {
        return "socket/pipe failed";
    }
    pid_t helper = ::fork();
    if (helper == 0) {
        ::close(release[1]);
        char byte;
        while (::read(release[0], &byte, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    ::close(release[0]);
    std::ostringstream problems;
    std::vector<portwatch::core::Warning> warnings;
    auto bpf = portwatch::collect::make_owner_source(OwnerMode::Bpf, "/proc", warnings);
    if (!bpf) {
        problems << "eBPF pass unavailable in the pid namespace: " << bpf.error().message;
    } else if (auto by_bpf = (*bpf)->scan(); !by_bpf) {
        problems << "eBPF scan failed: " << by_bpf.error().message;
    } else if (auto by_proc = portwatch::collect::procfs::ProcFdScanner("/proc").scan(); !by_proc) {
        problems << "/proc scan failed: " << by_proc.error().message;
    } else {
        const std::set<std::int32_t> everyone = {::getpid(), helper};
        if (::getpid() != 1 || helper != 2) {
            problems << "expected pids 1 and 2, got " << ::getpid() << " and " << helper << "; ";
        }
        Pairs bpf_pairs;
        for (const auto& ref : by_bpf->sockets) {
            bpf_pairs.insert({ref.inode, ref.pid});
        }
        Pairs proc_pairs;
        for (const auto& ref : by_proc->sockets) {
            proc_pairs.insert({ref.inode, ref.pid});
        }
        if (bpf_pairs != proc_pairs || bpf_pairs.size() != 2) {
            problems << "eBPF saw " << bpf_pairs.size() << " socket fds, /proc " << proc_pairs.size()
                     << " (expected the one socket in pids 1 and 2): ";
            for (const auto& [inode, pid] : bpf_pairs) {
                problems << inode << '@' << pid << ' ';
            }
        }
        // The scanning process itself holds different descriptors during each pass (the
        // iterator fd, /proc directory fds): compare the helper's count only.
        const auto bpf_counts = counts_of(*by_bpf, everyone);
        const auto proc_counts = counts_of(*by_proc, everyone);
        if (bpf_counts.size() != 2 || by_bpf->fd_counts.size() != 2 || proc_counts.size() != 2 ||
            bpf_counts.at(helper) != proc_counts.at(helper)) {
            problems << "fd counts differ: eBPF";
            for (const auto& count : by_bpf->fd_counts) {
                problems << ' ' << count.pid << ':' << count.count;
            }
            problems << ", /proc";
            for (const auto& count : by_proc->fd_counts) {
                problems << ' ' << count.pid << ':' << count.count;
            }
        }
    }
    ::close(release[1]);
    int status = 0;
    ::waitpid(helper, &status, 0);
    return problems.str();
}

TEST(BpfOwners, PidsAreNumberedAsTheReadersProcSeesThem) {
    if (!portwatch::testing::require_root("the eBPF owner test")) {
        GTEST_SKIP() << "needs root";
    }
    if (!bpf_source()) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    pid_t outer = ::fork();
    ASSERT_GE(outer, 0);
    if (outer == 0) {
        ::close(report[0]);
        if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
            ::_exit(10);
        }
        pid_t first = ::fork();  // pid 1 of the new namespace
        if (first == 0) {
            std::string problems = compare_in_pid_namespace();
            [[maybe_unused]] auto n = ::write(report[1], problems.data(), problems.size());
            ::_exit(problems.empty() ? 0 : 1);
        }
        int status = 0;
        ::waitpid(first, &status, 0);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 11);
    }
    ::close(report[1]);
    std::string problems;
    char buf[4096];
    for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) {
        problems.append(buf, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(outer, &status, 0), outer);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_EQ(problems, "");
}

// `portwatch snapshot --netns <ns> --json` names the same owners with either pass.
std::map<std::uint64_t, std::vector<std::int32_t>> owners_by_inode(const nlohmann::json& snapshot) {
    std::map<std::uint64_t, std::vector<std::int32_t>> out;
    for (const auto& socket : snapshot.at("sockets")) {
        out[socket.at("inode").get<std::uint64_t>()] = socket.at("pids").get<std::vector<std::int32_t>>();
    }
    return out;
}

TEST(BpfOwners, SnapshotCommandReportsSameOwnersAsProc) {
    if (!portwatch::testing::require_root("the eBPF owner test")) {
        GTEST_SKIP() << "needs root";
    }
    if (!bpf_source()) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    TestNamespace ns;
    ASSERT_TRUE(ns.ok()) << "cannot create network namespace " << ns.name();
    Holders holders(ns.path());
    spawn_population(holders);
    HolderTruth truth;
    ASSERT_TRUE(holders.wait(truth));

    auto snapshot = [&](const char* owners) {
        auto text = portwatch::testing::run({PORTWATCH_BINARY, "snapshot", std::string("--owners=") + owners,
                                             "--netns", ns.name(), "--json"});
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
    EXPECT_EQ(bpf_owners.at(truth.named.at("listener")), (Pids{std::min(parent, child), std::max(parent, child)}));
    EXPECT_EQ(bpf_owners.at(truth.named.at("udp")), (Pids{std::min(parent, child), std::max(parent, child)}));
    EXPECT_EQ(bpf_owners.at(truth.named.at("accepted")), Pids{parent});
    EXPECT_EQ(bpf_owners.at(truth.named.at("client")), Pids{child});

    std::map<std::int32_t, std::uint32_t> bpf_counts;
    for (const auto& process : with_bpf.at("processes")) {
        bpf_counts[process.at("pid").get<std::int32_t>()] = process.at("fd_count").get<std::uint32_t>();
    }
    EXPECT_EQ(bpf_counts.at(parent), truth.fd_counts.at(parent));
    EXPECT_EQ(bpf_counts.at(child), truth.fd_counts.at(child));
}

}  // namespace
