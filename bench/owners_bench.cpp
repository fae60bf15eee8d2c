// owners_bench: the eBPF owner pass (iter/task_file) against the /proc one (a readlink() per
// descriptor), on a socket population this program builds in a network namespace of its own.
//
//   owners_bench [--sockets N] [--procs P] [--runs R]     (root; defaults 60000, 4, 7)
//
// P forked holders each open N/P sockets (RLIMIT_NOFILE is capped at 20000 per process, so
// P >= N/19000), a quarter of them TCP pairs connected over loopback, the rest unbound TCP
// and UDP. Then both passes scan the whole host R times; the medians and their ratio are
// printed, with the socket count each pass attributed to the holders as a cross-check.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>
#include <vector>

#include "collect/linux/owner_source.h"

namespace {

using portwatch::collect::OwnerMode;
using portwatch::collect::OwnerScan;
using portwatch::collect::OwnerSource;

struct Options {
    int sockets = 60000;
    int procs = 4;
    int runs = 7;
};

bool parse_int(std::string_view text, int& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size() && out > 0;
}

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        int* target = flag == "--sockets" ? &options.sockets
                      : flag == "--procs" ? &options.procs
                      : flag == "--runs"  ? &options.runs
                                          : nullptr;
        if (target == nullptr || !parse_int(argv[i + 1], *target)) {
            return false;
        }
    }
    return argc % 2 == 1 && options.sockets / options.procs < 19000;
}

bool loopback_up() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags |= IFF_UP;
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    ::close(fd);
    return ok;
}

// Opens `count` sockets and keeps them until the parent closes `release`. Exit status: 0 when
// every socket was opened.
[[noreturn]] void holder(int count, int ready, int release) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(count) + 1000);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        ::_exit(1);
    }
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener, 4096) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::_exit(2);
    }
    int opened = 1;
    for (int pair = 0; opened + 2 <= count / 4; ++pair, opened += 2) {
        int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC) < 0) {
            ::_exit(3);
        }
    }
    for (; opened < count; ++opened) {
        int type = opened % 2 == 0 ? SOCK_STREAM : SOCK_DGRAM;
        if (::socket(AF_INET6, type | SOCK_CLOEXEC, 0) < 0) {
            ::_exit(4);
        }
    }
    char byte = 1;
    [[maybe_unused]] auto w = ::write(ready, &byte, 1);
    while (::read(release, &byte, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
}

struct Timing {
    double median_s = 0;
    double min_s = 0;
    std::size_t holder_sockets = 0;
    std::size_t all_sockets = 0;
};

Timing time_pass(OwnerSource& source, int runs, const std::set<std::int32_t>& holders) {
    std::vector<double> seconds;
    Timing timing;
    for (int i = 0; i < runs; ++i) {
        auto start = std::chrono::steady_clock::now();
        auto scan = source.scan();
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        if (!scan) {
            std::fprintf(stderr, "owners_bench: %s pass failed: %s\n",
                         std::string(source.name()).c_str(), scan.error().message.c_str());
            std::exit(1);
        }
        seconds.push_back(took.count());
        timing.all_sockets = scan->sockets.size();
        timing.holder_sockets = static_cast<std::size_t>(
            std::count_if(scan->sockets.begin(), scan->sockets.end(),
                          [&](const auto& ref) { return holders.contains(ref.pid); }));
    }
    std::sort(seconds.begin(), seconds.end());
    timing.median_s = seconds[seconds.size() / 2];
    timing.min_s = seconds.front();
    return timing;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse_options(argc, argv, options)) {
        std::fprintf(stderr,
                     "usage: owners_bench [--sockets N] [--procs P] [--runs R]  (N/P < 19000)\n");
        return 2;
    }
    if (::unshare(CLONE_NEWNET) != 0 || !loopback_up()) {
        std::fprintf(stderr, "owners_bench: needs root to make a network namespace: %s\n",
                     std::strerror(errno));
        return 1;
    }
    std::vector<portwatch::core::Warning> warnings;
    auto load_start = std::chrono::steady_clock::now();
    auto bpf = portwatch::collect::make_owner_source(OwnerMode::Bpf, "/proc", warnings);
    std::chrono::duration<double> load = std::chrono::steady_clock::now() - load_start;
    auto proc = portwatch::collect::make_owner_source(OwnerMode::Proc, "/proc", warnings);
    if (!bpf || !proc) {
        std::fprintf(stderr, "owners_bench: %s\n", (!bpf ? bpf : proc).error().message.c_str());
        return 1;
    }

    int ready[2];
    int release[2];
    if (::pipe(ready) != 0 || ::pipe(release) != 0) {
        return 1;
    }
    std::set<std::int32_t> holders;
    for (int p = 0; p < options.procs; ++p) {
        int count = options.sockets / options.procs + (p < options.sockets % options.procs ? 1 : 0);
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(ready[0]);
            ::close(release[1]);
            holder(count, ready[1], release[0]);
        }
        holders.insert(pid);
    }
    ::close(ready[1]);
    ::close(release[0]);
    int up = 0;
    char byte;
    while (up < options.procs && ::read(ready[0], &byte, 1) == 1) {
        ++up;
    }
    int status = 0;
    if (up < options.procs) {
        std::fprintf(stderr, "owners_bench: a holder could not open its sockets\n");
        ::close(release[1]);
        while (::wait(&status) > 0) {
        }
        return 1;
    }

    Timing by_proc = time_pass(**proc, options.runs, holders);
    Timing by_bpf = time_pass(**bpf, options.runs, holders);
    ::close(release[1]);
    bool clean = true;
    while (::wait(&status) > 0) {
        clean = clean && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    std::printf("holders: %d processes, %d sockets requested\n", options.procs, options.sockets);
    std::printf("%-6s %12s %12s %16s %14s\n", "pass", "median_s", "min_s", "holder_sockets",
                "all_sockets");
    std::printf("%-6s %12.4f %12.4f %16zu %14zu\n", "proc", by_proc.median_s, by_proc.min_s,
                by_proc.holder_sockets, by_proc.all_sockets);
    std::printf("%-6s %12.4f %12.4f %16zu %14zu\n", "bpf", by_bpf.median_s, by_bpf.min_s,
                by_bpf.holder_sockets, by_bpf.all_sockets);
    std::printf("bpf load+attach: %.4f s (once per run of portwatch)\n", load.count());
    std::printf("ratio proc/bpf (median): %.1fx\n", by_proc.median_s / by_bpf.median_s);
    if (by_proc.holder_sockets != by_bpf.holder_sockets ||
        by_bpf.holder_sockets != static_cast<std::size_t>(options.sockets)) {
        std::fprintf(stderr, "owners_bench: the passes disagree on the holders' sockets\n");
        return 1;
    }
    return clean ? 0 : 1;
}
