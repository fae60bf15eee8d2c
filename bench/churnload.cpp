// churnload: a steady connection churn in the current network namespace, for the monitor's
// long-run memory benchmark (bench/monitor_rss.sh). Run it inside a namespace made for the
// purpose: it widens the namespace's port range.
//
//   churnload --rate 200 --kids 1 --timeout 900 --ready-file /tmp/ready
//
// 1. A server process ("pwchurn-srv") listens on 127.0.0.1:9000 and 127.0.0.1:9001, accepts,
//    reads to EOF and closes: the client closes first, so each connection leaves a client
//    TIME_WAIT (60 s) with no owner, as short HTTP clients do.
// 2. The client ("pwchurn") connects `rate` times a second, paced, alternating the two
//    ports and source addresses 127.0.3.1-8, and closes each at once: `rate` ports taken and
//    given back a second, ~60 x rate TIME_WAIT entries at any time.
// 3. Process churn: `kids` times a second a child ("pwchurn-kid", a new pid) makes five
//    connections, holds them 2 s and exits, so processes come and go as well as sockets.
// SIGTERM/SIGINT or --timeout end it; its processes die with it (PR_SET_PDEATHSIG).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::uint16_t kPorts[] = {9000, 9001};

volatile sig_atomic_t g_stop = 0;  // set by the signal handler only

void on_stop(int) {
    g_stop = 1;
}

sockaddr_in address(const char* text, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, text, &a.sin_addr);
    return a;
}

bool write_text(const char* path, const std::string& text) {
    FILE* f = std::fopen(path, "w");
    if (f == nullptr) {
        return false;
    }
    const bool ok = std::fputs(text.c_str(), f) >= 0;
    return std::fclose(f) == 0 && ok;
}

// Connects from 127.0.3.<source> to 127.0.0.1:port; the descriptor or -1.
int connect_to(std::uint16_t port, int source) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const std::string from = "127.0.3." + std::to_string(source);
    sockaddr_in local = address(from.c_str(), 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in to = address("127.0.0.1", port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

[[noreturn]] void serve(const std::vector<int>& listeners) {
    ::prctl(PR_SET_NAME, "pwchurn-srv");
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<pollfd> fds;
    for (int l : listeners) {
        fds.push_back({l, POLLIN, 0});
    }
    // Accepted sockets wait in `fds` for the client's FIN, then are closed.
    while (g_stop == 0) {
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
            _exit(1);
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            if (i < listeners.size()) {
                int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) {
                    fds.push_back({c, POLLIN, 0});
                }
                continue;
            }
            char buf[64];
            if (::read(fds[i].fd, buf, sizeof buf) <= 0) {
                ::close(fds[i].fd);
                fds[i] = fds.back();
                fds.pop_back();
                --i;
            }
        }
    }
    _exit(0);
}

[[noreturn]] void kid() {
    ::prctl(PR_SET_NAME, "pwchurn-kid");
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int held[5];
    for (int i = 0; i < 5; ++i) {
        held[i] = connect_to(kPorts[i % 2], 8);
    }
    ::sleep(2);
    for (int fd : held) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    _exit(0);
}

long number(std::string_view text) {
    long n = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return ec == std::errc() && end == text.data() + text.size() ? n : -1;
}

}  // namespace

int main(int argc, char** argv) {
    long rate = 200, kids = 1, timeout_s = 900;
    const char* ready = nullptr;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        if (flag == "--rate") {
            rate = number(argv[i + 1]);
        } else if (flag == "--kids") {
            kids = number(argv[i + 1]);
        } else if (flag == "--timeout") {
            timeout_s = number(argv[i + 1]);
        } else if (flag == "--ready-file") {
            ready = argv[i + 1];
        } else {
            std::fprintf(stderr, "churnload: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (rate < 1 || rate > 100000 || kids < 0 || kids > 100 || timeout_s < 1) {
        std::fprintf(stderr, "churnload: --rate 1-100000, --kids 0-100, --timeout >= 1\n");
        return 2;
    }
    write_text("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535\n");
    write_text("/proc/sys/net/ipv4/tcp_tw_reuse", "0\n");
    ::prctl(PR_SET_NAME, "pwchurn");
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGCHLD, SIG_DFL);

    std::vector<int> listeners;
    for (std::uint16_t port : kPorts) {
        int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a = address("127.0.0.1", port);
        if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(l, 4096) != 0) {
            std::fprintf(stderr, "churnload: listen on %u: %s\n", port, std::strerror(errno));
            return 1;
        }
        listeners.push_back(l);
    }
    pid_t server = ::fork();
    if (server == 0) {
        serve(listeners);
    }
    for (int l : listeners) {
        ::close(l);
    }
    if (ready != nullptr) {
        write_text(ready,
                   "ready rate=" + std::to_string(rate) + " kids=" + std::to_string(kids) + "\n");
    }
    timespec next{};
    ::clock_gettime(CLOCK_MONOTONIC, &next);
    const long start = next.tv_sec;
    const long step_ns = 1'000'000'000L / rate;
    long made = 0, failed = 0;
    while (g_stop == 0 && next.tv_sec - start < timeout_s) {
        int fd = connect_to(kPorts[made % 2], static_cast<int>(made % 7) + 1);
        fd >= 0 ? static_cast<void>(::close(fd)) : static_cast<void>(++failed);
        ++made;
        if (kids > 0 && made % (rate / kids > 0 ? rate / kids : 1) == 0) {
            if (::fork() == 0) {
                kid();
            }
        }
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        next.tv_nsec += step_ns;
        while (next.tv_nsec >= 1'000'000'000L) {
            next.tv_nsec -= 1'000'000'000L;
            ++next.tv_sec;
        }
        ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
    ::kill(server, SIGTERM);
    while (::waitpid(-1, nullptr, 0) > 0) {
    }
    std::printf("churnload: %ld connections, %ld failed\n", made, failed);
    return 0;
}
