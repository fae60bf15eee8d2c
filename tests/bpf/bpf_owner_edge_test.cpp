// The eBPF owner pass where it and /proc part ways or could: a thread with a private file
// table, a process whose leader thread has exited, a reader in a pid namespace of its own.

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/linux/owner_source.h"
#include "collect/linux/procfs/fd_scan.h"
#include "holders.h"
#include "owner_test_support.h"

namespace {

using namespace portwatch::testing;
using portwatch::collect::OwnerMode;

// A thread that unshares its file table holds a socket no /proc/<pid>/fd lists. The eBPF pass
// attributes it to the thread's process; the process's descriptor count stays /proc's.
TEST_F(BpfOwners, PrivateThreadTableIsAttributedToItsProcess) {
    holders_->spawn("unshared", 1, [](Holders::Context& ctx) {
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
    ASSERT_TRUE(holders_->wait(truth));
    const auto pid = truth.pids.at("unshared");
    const auto own = truth.named.at("private");

    auto by_bpf = bpf_->scan();
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

// When the thread-group leader exits first (pthread_exit in main), /proc/<pid>/fd lists
// nothing: it reads the leader's table, which is gone. The remaining threads still hold the
// table, and the iterator walks it from them: the eBPF pass still names the owner.
TEST_F(BpfOwners, ProcessWhoseLeaderExitedStillOwnsItsSockets) {
    holders_->spawn("headless", 1, [](Holders::Context& ctx) {
        int socket = udp_socket();
        Holders::report_named(ctx, "socket", socket);
        std::thread worker([&ctx] {
            // Report only once the leader is a zombie, so the scan sees the headless state.
            const std::string status = "/proc/" + std::to_string(::getpid()) + "/status";
            for (int i = 0; i < 500; ++i) {
                std::ifstream file(status);
                std::string line;
                while (std::getline(file, line) && !line.starts_with("State:")) {
                }
                if (line.find('Z') != std::string::npos) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            Holders::report(ctx);
            Holders::hold(ctx);
            ::_exit(0);
        });
        worker.detach();
        ::syscall(SYS_exit, 0);  // this thread only; the process lives on in `worker`
    });
    HolderTruth truth;
    ASSERT_TRUE(holders_->wait(truth));
    const auto pid = truth.pids.at("headless");
    const auto socket = truth.named.at("socket");

    auto by_bpf = bpf_->scan();
    ASSERT_TRUE(by_bpf) << by_bpf.error().message;
    auto by_proc = portwatch::collect::procfs::ProcFdScanner("/proc").scan();
    ASSERT_TRUE(by_proc) << by_proc.error().message;
    EXPECT_EQ(pairs_of(*by_proc, {pid}).count({socket, pid}), 0u) << "leader still has its table?";
    EXPECT_GE(pairs_of(*by_bpf, {pid}).count({socket, pid}), 1u);
}

// Run in a pid namespace of its own (with its own /proc), the eBPF pass must number processes
// as that /proc does, not by their ids in the initial namespace. Returns "" on success, else
// what differed. Runs in a forked child (in_new_pid_namespace): no gtest assertions here.
std::string compare_in_pid_namespace() {
    int shared = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int release[2];
    if (shared < 0 || ::pipe(release) != 0) {
        return "socket/pipe failed";
    }
    // The helper changes nothing in its descriptor table after the fork: it only waits for a
    // byte (closing its copy of the write end first raced with the scans and changed its count
    // between them).
    pid_t helper = ::fork();
    if (helper == 0) {
        char byte;
        while (::read(release[0], &byte, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
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
            problems << "eBPF saw " << bpf_pairs.size() << " socket fds, /proc "
                     << proc_pairs.size() << " (expected the one socket in pids 1 and 2): ";
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
    const char byte = 0;
    while (::write(release[1], &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(release[0]);
    ::close(release[1]);
    int status = 0;
    ::waitpid(helper, &status, 0);
    return problems.str();
}

TEST_F(BpfOwners, PidsAreNumberedAsTheReadersProcSeesThem) {
    EXPECT_EQ(in_new_pid_namespace(compare_in_pid_namespace), "");
}

}  // namespace
