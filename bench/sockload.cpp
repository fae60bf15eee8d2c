// sockload: fills the current network namespace with a known number of loopback TCP sockets,
// for benchmarks and kernel tests. Run it inside a namespace made for the purpose: it widens
// the namespace's ephemeral port range and turns off TIME_WAIT reuse there.
//
//   sockload --pairs 39996 --time-wait 20000 --workers 8 --ports 4 --ready-file /tmp/ready
//   sockload ... --families 4      (IPv4 only: `ports` listeners on 127.0.0.1, none on ::1)
//
// What it builds, deterministically:
// 1. `ports` listeners on 127.0.0.1 and as many on ::1 (ports 20000, 20001, ...; none on ::1
//    with --families 4), made by the parent before forking, so every worker holds every
//    listener (owners shared after fork).
//    There are at least as many listeners as workers (more ports when needed).
// 2. `workers` processes; worker w owns listener w (it alone accepts on it) and
//    makes its share of `pairs` established connections to it: a client socket bound to
//    127.0.1.(w+1) (IPv4) or ::1, plus the accepted server socket: 2 sockets per pair.
// 3. Its share of `time-wait` entries: connect from 127.0.2.(w+1), accept, close the client
//    first, wait for EOF on the server side and close it: the client side stays in TIME_WAIT
//    for 60 s and has no owner.
// Each worker reports its counts to the parent through a pipe; the parent then prints one
// "ready" line and writes it to the ready file.
//
// TIME_WAIT lasts 60 s. On SIGUSR1 the parent has every worker make its share of TIME_WAIT
// entries again (callers first remove the old ones, e.g. `ss -K state time-wait`), then
// prints and writes a new line with generation=N+1. SIGTERM/SIGINT or --timeout end it;
// workers die with the parent (PR_SET_PDEATHSIG).
//
// Limits: RLIMIT_NOFILE is raised to its hard limit; a worker needs 2 * pairs / workers + 16
// descriptors, so spread large loads over enough workers.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::uint16_t kFirstPort = 20000;
constexpr int kBatch = 256;  // connects before accepting: stays well under the accept backlog

class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

struct Options {
    long pairs = 0;
    long time_wait = 0;
    int workers = 1;
    int ports = 4;
    bool ipv6 = true;  // --families 46 (default) or 4
    long timeout_s = 600;
    std::string ready_file;
};

// What a worker reports after each round of work; all zero with ok = 0 on failure.
struct Report {
    int ok = 0;
    long established = 0;  // sockets, both sides
    long time_wait = 0;
    char error[200] = {};
};

struct Listener {
    Fd fd;
    sockaddr_storage address{};
    socklen_t length = 0;
};

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

bool write_text(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) {
        return false;
    }
    bool ok = std::fputs(text.c_str(), f) >= 0;
    return std::fclose(f) == 0 && ok;
}

void tune_namespace() {
    // Per-namespace settings: room for every client port, and no TIME_WAIT reuse, which would
    // let new connections silently consume the TIME_WAIT entries this tool promises.
    const std::pair<const char*, const char*> settings[] = {
        {"/proc/sys/net/ipv4/ip_local_port_range", "1024 65535\n"},
        {"/proc/sys/net/ipv4/tcp_tw_reuse", "0\n"},
        {"/proc/sys/net/ipv4/tcp_max_tw_buckets", "1000000\n"},
        {"/proc/sys/net/core/somaxconn", "4096\n"},
    };
    for (const auto& [path, value] : settings) {
        if (!write_text(path, value)) {
            std::fprintf(stderr, "sockload: warning: cannot set %s: %s\n", path,
                         std::strerror(errno));
        }
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

sockaddr_storage loopback(int family, const char* v4_text, std::uint16_t port, socklen_t& length) {
    sockaddr_storage s{};
    if (family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&s);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        ::inet_pton(AF_INET, v4_text, &a->sin_addr);
        length = sizeof(sockaddr_in);
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&s);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        length = sizeof(sockaddr_in6);
    }
    return s;
}

bool make_listeners(int ports, bool ipv6, std::vector<Listener>& out, std::string& error) {
    for (int family : {AF_INET, AF_INET6}) {
        if (family == AF_INET6 && !ipv6) {
            continue;
        }
        for (int i = 0; i < ports; ++i) {
            Listener l;
            l.address =
                loopback(family, "127.0.0.1", static_cast<std::uint16_t>(kFirstPort + i), l.length);
            l.fd = Fd(::socket(family, SOCK_STREAM, 0));
            int one = 1;
            if (!l.fd ||
                ::setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                ::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&l.address), l.length) != 0 ||
                ::listen(l.fd.get(), 4096) != 0) {
                error = errno_text("listener");
                return false;
            }
            out.push_back(std::move(l));
        }
    }
    return true;
}

// A client socket bound to `source` (port chosen at connect(): IP_BIND_ADDRESS_NO_PORT).
Fd client_socket(int family, const char* source, std::string& error) {
    Fd fd(::socket(family, SOCK_STREAM, 0));
    if (!fd) {
        error = errno_text("socket");
        return fd;
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socklen_t length = 0;
    sockaddr_storage s = loopback(family, source, 0, length);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&s), length) != 0) {
        error = errno_text("bind");
        return Fd();
    }
    return fd;
}

// `count` established pairs to `l`, kept in `held`.
bool make_pairs(const Listener& l, const char* source, long count, std::vector<Fd>& held,
                std::string& error) {
    const int family = l.address.ss_family;
    for (long done = 0; done < count;) {
        const long batch = std::min<long>(kBatch, count - done);
        for (long i = 0; i < batch; ++i) {
            Fd c = client_socket(family, source, error);
            if (!c) {
                return false;
            }
            if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&l.address), l.length) != 0) {
                error = errno_text("connect");
                return false;
            }
            held.push_back(std::move(c));
        }
        for (long i = 0; i < batch; ++i) {
            Fd s(::accept(l.fd.get(), nullptr, nullptr));
            if (!s) {
                error = errno_text("accept");
                return false;
            }
            held.push_back(std::move(s));
        }
        done += batch;
    }
    return true;
}

// `count` TIME_WAIT entries on the client side of connections to `l`.
bool make_time_wait(const Listener& l, const char* source, long count, std::string& error) {
    const int family = l.address.ss_family;
    for (long i = 0; i < count; ++i) {
        Fd c = client_socket(family, source, error);
        if (!c) {
            return false;
        }
        if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&l.address), l.length) != 0) {
            error = errno_text("connect");
            return false;
        }
        Fd s(::accept(l.fd.get(), nullptr, nullptr));
        if (!s) {
            error = errno_text("accept");
            return false;
        }
        c = Fd();  // client closes first: FIN_WAIT2, then TIME_WAIT on the server's FIN
        char byte;
        if (::read(s.get(), &byte, 1) != 0) {  // wait for the client's FIN
            error = errno_text("waiting for FIN");
            return false;
        }
    }
    return true;
}

long share(long total, int workers, int w) {
    return total / workers + (w < total % workers ? 1 : 0);
}

void send_report(int fd, Report r, const std::string& error) {
    std::snprintf(r.error, sizeof r.error, "%s", error.c_str());
    r.ok = error.empty() ? 1 : 0;
    [[maybe_unused]] ssize_t n = ::write(fd, &r, sizeof r);
}

// Never returns. Makes the worker's share, reports, then remakes its TIME_WAIT share each
// time `go` has a byte to read; exits when the parent goes away.
[[noreturn]] void worker(const Options& o, int w, const std::vector<Listener>& listeners, int go,
                         int report) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGUSR1, SIG_IGN);  // a stray `kill -USR1` at the whole group must not kill us
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    if (::getppid() == 1) {
        ::_exit(1);
    }
    const Listener& mine = listeners[static_cast<std::size_t>(w) % listeners.size()];
    char pair_source[32];
    char tw_source[32];
    std::snprintf(pair_source, sizeof pair_source, "127.0.1.%d", w % 254 + 1);
    std::snprintf(tw_source, sizeof tw_source, "127.0.2.%d", w % 254 + 1);
    std::vector<Fd> held;
    const long pairs = share(o.pairs, o.workers, w);
    const long tw = share(o.time_wait, o.workers, w);
    held.reserve(static_cast<std::size_t>(2 * pairs));
    std::string error;
    Report r;
    if (make_pairs(mine, pair_source, pairs, held, error)) {
        r.established = static_cast<long>(held.size());
        if (make_time_wait(mine, tw_source, tw, error)) {
            r.time_wait = tw;
        }
    }
    send_report(report, r, error);
    char byte;
    while (::read(go, &byte, 1) == 1) {
        error.clear();
        Report again;
        again.established = static_cast<long>(held.size());
        if (make_time_wait(mine, tw_source, tw, error)) {
            again.time_wait = tw;
        }
        send_report(report, again, error);
    }
    ::_exit(0);
}

bool parse_long(std::string_view text, long& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size() && out >= 0;
}

int usage() {
    std::fputs(
        "usage: sockload --pairs N --time-wait N [--workers N] [--ports N] [--timeout S]\n"
        "                [--ready-file PATH] [--families 46|4]\n"
        "Creates N established loopback TCP pairs (2N sockets), N TIME_WAIT entries and\n"
        "2 * ports listeners (--families 4: ports, IPv4 only) in the current network\n"
        "namespace, prints a ready line, and waits. SIGUSR1 remakes the TIME_WAIT entries.\n",
        stderr);
    return 2;
}

bool parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        std::string_view value = argv[i + 1];
        long n = 0;
        if (flag == "--ready-file") {
            o.ready_file = value;
            continue;
        }
        if (flag == "--families" && (value == "4" || value == "46")) {
            o.ipv6 = value == "46";
            continue;
        }
        if (!parse_long(value, n)) {
            return false;
        }
        if (flag == "--pairs") {
            o.pairs = n;
        } else if (flag == "--time-wait") {
            o.time_wait = n;
        } else if (flag == "--workers" && n >= 1 && n <= 254) {
            o.workers = static_cast<int>(n);
        } else if (flag == "--ports" && n >= 1 && n <= 64) {
            o.ports = static_cast<int>(n);
        } else if (flag == "--timeout") {
            o.timeout_s = n;
        } else {
            return false;
        }
    }
    return argc % 2 == 1;
}

struct Worker {
    pid_t pid = -1;
    Fd go;      // parent writes one byte per TIME_WAIT refresh
    Fd report;  // worker writes one Report per round
};

// Collects one report from every worker; prints and records the totals.
bool collect(std::vector<Worker>& workers, const Options& o, int listeners, int generation) {
    long established = 0;
    long time_wait = 0;
    for (auto& w : workers) {
        Report r;
        if (::read(w.report.get(), &r, sizeof r) != static_cast<ssize_t>(sizeof r) || !r.ok) {
            std::fprintf(stderr, "sockload: worker %d failed: %s\n", static_cast<int>(w.pid),
                         r.error[0] ? r.error : "exited");
            return false;
        }
        established += r.established;
        time_wait += r.time_wait;
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "ready generation=%d listeners=%d established=%ld time_wait=%ld total=%ld "
                  "workers=%d\n",
                  generation, listeners, established, time_wait,
                  listeners + established + time_wait, o.workers);
    std::fputs(line, stdout);
    std::fflush(stdout);
    if (!o.ready_file.empty()) {
        std::string tmp = o.ready_file + ".tmp";
        if (!write_text(tmp, line) || std::rename(tmp.c_str(), o.ready_file.c_str()) != 0) {
            std::fprintf(stderr, "sockload: cannot write %s\n", o.ready_file.c_str());
            return false;
        }
    }
    return true;
}

int stop(std::vector<Worker>& workers, int code) {
    for (auto& w : workers) {
        if (w.pid > 0) {
            ::kill(w.pid, SIGKILL);
        }
    }
    for (auto& w : workers) {
        if (w.pid > 0) {
            ::waitpid(w.pid, nullptr, 0);
        }
    }
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        return usage();
    }
    tune_namespace();
    // Signals are taken synchronously with sigtimedwait: no handlers, no globals.
    sigset_t wait_for;
    sigemptyset(&wait_for);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) {
        sigaddset(&wait_for, s);
    }
    ::sigprocmask(SIG_BLOCK, &wait_for, nullptr);

    std::vector<Listener> listeners;
    std::string error;
    // Every worker accepts on a listener of its own: two accepting on one would take each
    // other's connections and wait forever for a FIN that goes to the other.
    const int families = o.ipv6 ? 2 : 1;
    const int ports = std::max(o.ports, (o.workers + families - 1) / families);
    if (!make_listeners(ports, o.ipv6, listeners, error)) {
        std::fprintf(stderr, "sockload: %s\n", error.c_str());
        return 1;
    }
    std::vector<Worker> workers(static_cast<std::size_t>(o.workers));
    for (int w = 0; w < o.workers; ++w) {
        int go[2];
        int report[2];
        if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
            std::perror("sockload: pipe");
            return stop(workers, 1);
        }
        pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("sockload: fork");
            return stop(workers, 1);
        }
        if (pid == 0) {
            ::close(go[1]);
            ::close(report[0]);
            workers.clear();  // the parent's pipe ends to other workers: not ours to hold
            worker(o, w, listeners, go[0], report[1]);
        }
        ::close(go[0]);
        ::close(report[1]);
        workers[static_cast<std::size_t>(w)] = {pid, Fd(go[1]), Fd(report[0])};
    }
    const int listener_count = static_cast<int>(listeners.size());
    int generation = 0;
    if (!collect(workers, o, listener_count, generation)) {
        return stop(workers, 1);
    }
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long deadline = now.tv_sec + o.timeout_s;
    for (;;) {
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec >= deadline) {
            return stop(workers, 0);
        }
        timespec timeout{deadline - now.tv_sec, 0};
        int sig = ::sigtimedwait(&wait_for, nullptr, &timeout);
        if (sig == SIGUSR1) {
            for (auto& w : workers) {
                [[maybe_unused]] ssize_t n = ::write(w.go.get(), "r", 1);
            }
            if (!collect(workers, o, listener_count, ++generation)) {
                return stop(workers, 1);
            }
            continue;
        }
        if (sig < 0 && errno == EINTR) {
            continue;
        }
        return stop(workers, 0);  // SIGTERM, SIGINT, SIGHUP or timeout
    }
}
