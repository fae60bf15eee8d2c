// sockfarm: builds a known set of sockets in the current network namespace for the oracle test,
// then writes READY_FILE and waits (SIGTERM, or at most TIMEOUT seconds).
//
//   sockfarm READY_FILE [TIMEOUT]        (env SOCKFARM_COMM=NAME renames the process)
//
// What it leaves (all on loopback):
//   TCP listeners 127.0.0.1:7000, [::1]:7001, dual-stack [::]:7002 (shared with a forked child)
//   3 ESTABLISHED pairs to :7000, 2 to [::1]:7001, 1 v4-mapped pair to :7002
//   2 client TIME_WAITs to :7000 (client closed first)
//   1 CLOSE_WAIT client (server closed first; its side goes FIN_WAIT2)
//   1 TCP socket bound to 127.0.0.1:7050 that neither listens nor connects (BOUND, 6.8+)
//   UDP: 127.0.0.1:7100 bound, one connected to it, [::1]:7101 bound
// Every step checks its result; any failure exits 1 with a message. READY_FILE is written only
// once the kernel shows every socket in its final state: closing handshakes finish in softirq
// context after close() returns, and on a loaded machine a FIN or its ACK may still be queued
// (a client in FIN_WAIT2 instead of TIME_WAIT, a server in FIN_WAIT1 or LAST_ACK), so a reader
// started on "ready" would see states that change under it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "sockfarm: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

sockaddr_storage address(const char* ip, int port) {
    sockaddr_storage ss{};
    if (std::strchr(ip, ':') != nullptr) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET6, ip, &a->sin6_addr);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET, ip, &a->sin_addr);
    }
    return ss;
}

socklen_t length(const sockaddr_storage& ss) {
    return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

int make(int family, int type) {
    int fd = ::socket(family, type, 0);
    if (fd < 0) {
        die("socket");
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return fd;
}

int listener(const char* ip, int port, bool v6only) {
    auto ss = address(ip, port);
    int fd = make(ss.ss_family, SOCK_STREAM);
    if (ss.ss_family == AF_INET6) {
        int flag = v6only ? 1 : 0;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &flag, sizeof flag);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), length(ss)) != 0) {
        die("bind listener");
    }
    if (::listen(fd, 64) != 0) {
        die("listen");
    }
    return fd;
}

struct Pair {
    int client;
    int server;
};

Pair connect_pair(int listen_fd, const char* ip, int port) {
    auto ss = address(ip, port);
    int c = ::socket(ss.ss_family, SOCK_STREAM, 0);
    if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&ss), length(ss)) != 0) {
        die("connect");
    }
    int s = ::accept(listen_fd, nullptr, nullptr);
    if (s < 0) {
        die("accept");
    }
    return {c, s};
}

void wait_eof(int fd) {
    char buf[16];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
}

// TCP sockets by state (the hex `st` column of /proc/net/tcp and tcp6, this namespace's).
std::vector<int> tcp_states() {
    std::vector<int> count(16, 0);
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        FILE* f = std::fopen(path, "r");
        if (f == nullptr) {
            continue;
        }
        char line[512];
        bool header = true;
        while (std::fgets(line, sizeof line, f) != nullptr) {
            unsigned st = 0;
            char local[64], remote[64];
            if (!header && std::sscanf(line, " %*d: %63s %63s %x", local, remote, &st) == 3) {
                ++count[st & 15];
            }
            header = false;
        }
        std::fclose(f);
    }
    return count;
}

// Waits (at most `seconds`) until the sockets built above are all in the states the header
// lists, with none still in a state it passes through.
void wait_settled(int seconds) {
    enum {
        kEstablished = 1,
        kSynSent,
        kSynRecv,
        kFinWait1,
        kFinWait2,
        kTimeWait,
        kClose,
        kCloseWait,
        kLastAck,
        kListen,
        kClosing
    };
    std::vector<int> c;
    for (int i = 0; i < seconds * 100; ++i) {
        c = tcp_states();
        if (c[kEstablished] == 12 && c[kTimeWait] == 2 && c[kCloseWait] == 1 && c[kFinWait2] == 1 &&
            c[kListen] == 3 && c[kSynSent] == 0 && c[kSynRecv] == 0 && c[kFinWait1] == 0 &&
            c[kLastAck] == 0 && c[kClosing] == 0) {
            return;
        }
        ::usleep(10000);
    }
    std::fprintf(stderr,
                 "sockfarm: sockets not settled after %d s: ESTABLISHED %d TIME_WAIT %d "
                 "CLOSE_WAIT %d FIN_WAIT2 %d FIN_WAIT1 %d LAST_ACK %d\n",
                 seconds, c[kEstablished], c[kTimeWait], c[kCloseWait], c[kFinWait2], c[kFinWait1],
                 c[kLastAck]);
    std::exit(1);
}

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: sockfarm READY_FILE [TIMEOUT_SECONDS]\n");
        return 2;
    }
    int timeout = argc > 2 ? std::atoi(argv[2]) : 120;
    // SOCKFARM_COMM renames the process (tests of hostile names: escapes, newlines, bad UTF-8).
    if (const char* comm = std::getenv("SOCKFARM_COMM")) {
        ::prctl(PR_SET_NAME, comm, 0, 0, 0);
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);

    int l4 = listener("127.0.0.1", 7000, false);
    int l6 = listener("::1", 7001, true);
    int dual = listener("::", 7002, false);
    std::vector<int> keep = {l4, l6, dual};

    for (int i = 0; i < 3; ++i) {
        auto p = connect_pair(l4, "127.0.0.1", 7000);
        keep.insert(keep.end(), {p.client, p.server});
    }
    for (int i = 0; i < 2; ++i) {
        auto p = connect_pair(l6, "::1", 7001);
        keep.insert(keep.end(), {p.client, p.server});
    }
    auto mapped = connect_pair(dual, "127.0.0.1", 7002);
    keep.insert(keep.end(), {mapped.client, mapped.server});

    for (int i = 0; i < 2; ++i) {  // client closes first: the client side ends in TIME_WAIT
        auto p = connect_pair(l4, "127.0.0.1", 7000);
        ::close(p.client);
        wait_eof(p.server);
        ::close(p.server);
    }
    {  // server closes first, client never does: CLOSE_WAIT on the client
        auto p = connect_pair(l4, "127.0.0.1", 7000);
        ::close(p.server);
        keep.push_back(p.client);
    }
    {
        auto ss = address("127.0.0.1", 7050);
        int b = make(AF_INET, SOCK_STREAM);
        if (::bind(b, reinterpret_cast<sockaddr*>(&ss), length(ss)) != 0) {
            die("bind bound-only");
        }
        keep.push_back(b);
    }
    {
        auto ss = address("127.0.0.1", 7100);
        int u = make(AF_INET, SOCK_DGRAM);
        if (::bind(u, reinterpret_cast<sockaddr*>(&ss), length(ss)) != 0) {
            die("bind udp");
        }
        int c = make(AF_INET, SOCK_DGRAM);
        if (::connect(c, reinterpret_cast<sockaddr*>(&ss), length(ss)) != 0) {
            die("connect udp");
        }
        auto s6 = address("::1", 7101);
        int u6 = make(AF_INET6, SOCK_DGRAM);
        if (::bind(u6, reinterpret_cast<sockaddr*>(&s6), length(s6)) != 0) {
            die("bind udp6");
        }
        keep.insert(keep.end(), {u, c, u6});
    }

    // A forked child shares every descriptor above, the dual-stack listener included; it
    // closes all but that one (then says so on a pipe) so exactly one socket has two owners.
    int done[2];
    if (::pipe(done) != 0) {
        die("pipe");
    }
    pid_t child = ::fork();
    if (child < 0) {
        die("fork");
    }
    if (child == 0) {
        for (int fd : keep) {
            if (fd != dual) {
                ::close(fd);
            }
        }
        ::close(done[0]);
        ::close(done[1]);  // EOF tells the parent
        for (int i = 0; i < timeout * 10 && !g_stop && ::getppid() != 1; ++i) {
            ::usleep(100000);
        }
        return 0;
    }
    ::close(done[1]);
    char byte;
    while (::read(done[0], &byte, 1) > 0) {
    }
    ::close(done[0]);
    wait_settled(30);

    FILE* ready = std::fopen(argv[1], "w");
    if (ready == nullptr) {
        die("ready file");
    }
    std::fprintf(ready, "%d %d\n", static_cast<int>(::getpid()), static_cast<int>(child));
    std::fclose(ready);

    for (int i = 0; i < timeout * 10 && !g_stop; ++i) {
        ::usleep(100000);
    }
    ::kill(child, SIGTERM);
    ::waitpid(child, nullptr, 0);
    return 0;
}
