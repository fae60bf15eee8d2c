// bpf_events_bench: what the monitor's eBPF event source costs the connections it watches, and
// whether it keeps up, on loopback in a network namespace of its own.
//
//   bpf_events_bench [--cycles N] [--rounds R] [--seconds S] [--rate C]
//                    (root; defaults 20000, 15, 5, 20000)
//
// A cycle is what a busy client and server do per short connection, in one thread: socket(),
// connect() to 127.0.0.x:9000 (x in 1..4, so the 4-tuples last), accept(), close() the
// client (its side goes to TIME_WAIT once the server closes), close() the server's. Everything
// runs on loopback, so the kernel work of both ends is in this thread's time.
// 1. Overhead: R rounds, each N cycles without the source and N cycles with it open (and a
//    thread draining it every 100 ms, as the monitor does), the order alternating per round.
//    Printed: median µs per cycle of each, and their ratio (the goal: <= 1.05).
// 2. Keeping up: the source open for S seconds while cycles run paced at C per second, then
//    as fast as they go: events and failed calls delivered per second, events lost, and the
//    CPU time of the draining thread (user + system) as a share of one core.
// The namespace has the range 1024-65535 and tcp_tw_reuse=1, so TIME_WAIT never runs out the
// ports; the source is not pinned (a test's or a monitor's pin is left alone).

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "collect/linux/bpf/bpf_event_source.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options {
    int cycles = 20000;
    int rounds = 15;
    int seconds = 5;
    int rate = 20000;
};

bool parse_int(std::string_view text, int& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size() && out > 0;
}

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        int* target = flag == "--cycles"    ? &options.cycles
                      : flag == "--rounds"  ? &options.rounds
                      : flag == "--seconds" ? &options.seconds
                      : flag == "--rate"    ? &options.rate
                                            : nullptr;
        if (target == nullptr || !parse_int(argv[i + 1], *target)) {
            return false;
        }
    }
    return argc % 2 == 1;
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

bool write_sysctl(const char* path, const char* value) {
    std::ofstream out(path);
    out << value;
    return static_cast<bool>(out.flush());
}

double thread_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class Loop {
  public:
    bool open() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in any{};
        any.sin_family = AF_INET;
        any.sin_port = htons(9000);
        return listener_ >= 0 &&
               ::bind(listener_, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0 &&
               ::listen(listener_, 4096) == 0;
    }

    // One connect/accept/close cycle; false when a call failed.
    bool cycle() {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9000);
        to.sin_addr.s_addr = htonl(0x7f000001u + next_++ % 4);
        int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
            if (client >= 0) {
                ::close(client);
            }
            return false;
        }
        int server = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        ::close(client);
        if (server < 0) {
            return false;
        }
        ::close(server);
        return true;
    }

    struct Timing {
        double wall_us = 0;  // per cycle
        double cpu_us = 0;   // per cycle: this thread's user + system time
    };

    Timing run(int n, std::uint64_t& failed) {
        const auto start = Clock::now();
        const double cpu0 = thread_cpu_seconds();
        for (int i = 0; i < n; ++i) {
            failed += !cycle();
        }
        return {std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n,
                (thread_cpu_seconds() - cpu0) * 1e6 / n};
    }

  private:
    int listener_ = -1;
    std::uint32_t next_ = 0;
};

// The source open, drained every 100 ms on a thread of its own, as the monitor does.
class Watched {
  public:
    bool open() {
        portwatch::collect::bpf::BpfEventOptions bpf;  // no pin
        auto source = portwatch::collect::bpf::open_bpf_event_source(
            0, portwatch::core::system_clock(), bpf);  // every namespace
        if (!source) {
            std::fprintf(stderr, "bpf_events_bench: the eBPF event source cannot load: %s\n",
                         source.error().message.c_str());
            return false;
        }
        source_ = std::move(*source);
        drain_ = std::jthread([this](std::stop_token stop) {
            const double cpu0 = thread_cpu_seconds();
            portwatch::core::EventBatch batch;
            while (!stop.stop_requested()) {
                if (!source_->poll(100ms, batch)) {
                    broken_ = true;
                    break;
                }
                events_ += batch.ports.size();
                failures_ += batch.failures.size();
                batch.clear();
            }
            if (source_->poll(0ms, batch)) {
                events_ += batch.ports.size();
                failures_ += batch.failures.size();
            }
            cpu_ = thread_cpu_seconds() - cpu0;
        });
        return true;
    }

    void close() {
        drain_.request_stop();
        drain_.join();
        lost_ = source_->lost();
        source_.reset();
    }

    std::uint64_t events() const { return events_; }
    std::uint64_t failures() const { return failures_; }
    std::uint64_t lost() const { return lost_; }
    double cpu() const { return cpu_; }
    bool broken() const { return broken_; }

  private:
    std::unique_ptr<portwatch::collect::EventSource> source_;
    std::jthread drain_;
    std::atomic<std::uint64_t> events_ = 0;
    std::atomic<std::uint64_t> failures_ = 0;
    std::uint64_t lost_ = 0;
    double cpu_ = 0;
    std::atomic<bool> broken_ = false;
};

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string line;
    std::getline(in, line);
    return line + "\n";
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Runs cycles for `seconds`, paced at `rate` per second (0: as fast as they go); returns the
// cycles done.
std::uint64_t sustained(Loop& loop, int seconds, int rate, std::uint64_t& failed) {
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    std::uint64_t done = 0;
    while (Clock::now() < end) {
        if (rate > 0) {
            auto due = start + std::chrono::nanoseconds(done * 1'000'000'000ull / rate);
            if (Clock::now() < due) {
                std::this_thread::sleep_until(due);
            }
        }
        failed += !loop.cycle();
        ++done;
    }
    return done;
}

void report_sustained(const char* label, std::uint64_t cycles, int seconds, const Watched& w) {
    std::printf(
        "%-22s %9.0f cycles/s  %10.0f events/s  %6llu failed calls  %llu lost  drain thread "
        "%.2f%% of a core\n",
        label, static_cast<double>(cycles) / seconds, static_cast<double>(w.events()) / seconds,
        static_cast<unsigned long long>(w.failures()), static_cast<unsigned long long>(w.lost()),
        100.0 * w.cpu() / seconds);
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse_options(argc, argv, options)) {
        std::fprintf(
            stderr, "usage: bpf_events_bench [--cycles N] [--rounds R] [--seconds S] [--rate C]\n");
        return 2;
    }
    if (::unshare(CLONE_NEWNET) != 0 || !loopback_up()) {
        std::fprintf(stderr, "bpf_events_bench: needs root to make a network namespace: %s\n",
                     std::strerror(errno));
        return 1;
    }
    if (!write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535") ||
        !write_sysctl("/proc/sys/net/ipv4/tcp_tw_reuse", "1")) {
        std::fprintf(stderr, "bpf_events_bench: cannot set the namespace's sysctls\n");
        return 1;
    }
    Loop loop;
    if (!loop.open()) {
        std::fprintf(stderr, "bpf_events_bench: cannot listen on :9000: %s\n",
                     std::strerror(errno));
        return 1;
    }
    std::uint64_t failed = 0;
    loop.run(options.cycles, failed);  // warm-up: caches, the listener's queue, TIME_WAIT

    std::vector<double> off;
    std::vector<double> on;
    std::vector<double> off_cpu;
    std::vector<double> on_cpu;
    std::vector<double> ratios;
    std::vector<double> cpu_ratios;
    for (int r = 0; r < options.rounds; ++r) {
        Loop::Timing without;
        Loop::Timing with;
        for (int half = 0; half < 2; ++half) {
            const bool watched = (half == 0) == (r % 2 == 1);
            if (!watched) {
                without = loop.run(options.cycles, failed);
                continue;
            }
            Watched w;
            if (!w.open()) {
                return 1;
            }
            with = loop.run(options.cycles, failed);
            w.close();
        }
        off.push_back(without.wall_us);
        on.push_back(with.wall_us);
        off_cpu.push_back(without.cpu_us);
        on_cpu.push_back(with.cpu_us);
        ratios.push_back(with.wall_us / without.wall_us);
        cpu_ratios.push_back(with.cpu_us / without.cpu_us);
    }
    std::printf("overhead: %d rounds of %d connect/accept/close cycles each way, interleaved\n",
                options.rounds, options.cycles);
    std::printf("                      wall us/cycle (median, min)   CPU us/cycle (median, min)\n");
    std::printf("  without the source  %8.2f %8.2f               %8.2f %8.2f\n", median(off),
                *std::min_element(off.begin(), off.end()), median(off_cpu),
                *std::min_element(off_cpu.begin(), off_cpu.end()));
    std::printf("  with the source     %8.2f %8.2f               %8.2f %8.2f\n", median(on),
                *std::min_element(on.begin(), on.end()), median(on_cpu),
                *std::min_element(on_cpu.begin(), on_cpu.end()));
    std::printf("  ratio (median of per-round ratios; goal <= 1.05): wall %.3f, CPU %.3f\n",
                median(ratios), median(cpu_ratios));
    std::printf("  load average now: %s", load_average().c_str());

    std::printf("keeping up, %d s each:\n", options.seconds);
    for (int rate : {options.rate, 0}) {
        Watched w;
        if (!w.open()) {
            return 1;
        }
        std::uint64_t cycles = sustained(loop, options.seconds, rate, failed);
        w.close();
        char label[64];
        std::snprintf(label, sizeof label, rate > 0 ? "  paced at %d/s" : "  as fast as it goes",
                      rate);
        report_sustained(label, cycles, options.seconds, w);
        if (w.broken()) {
            std::fprintf(stderr, "bpf_events_bench: the source broke while draining\n");
            return 1;
        }
    }
    if (failed > 0) {
        std::printf("note: %llu cycles failed a call (counted in the failed calls above)\n",
                    static_cast<unsigned long long>(failed));
    }
    return 0;
}
