#include "lab/patterns.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace portwatch::lab::detail {

namespace {

constexpr std::uint32_t kHealthyConnections = 3000;
constexpr std::uint32_t kHealthyChurn = 500;
constexpr std::uint32_t kHealthyHosts = 30;      // 127.0.0.2 .. 127.0.0.31, two ports each
constexpr std::uint32_t kBindDestinations = 50;  // 127.0.0.2 .. 127.0.0.51
constexpr auto kSettleLimit = std::chrono::seconds(15);

// TCP sockets of this namespace by state (the hex `st` column of /proc/net/tcp and tcp6).
std::array<std::uint32_t, 16> tcp_states() {
    std::array<std::uint32_t, 16> count{};
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        FILE* f = std::fopen(path, "re");
        if (f == nullptr) {
            continue;
        }
        char line[512];
        bool header = true;
        while (std::fgets(line, sizeof line, f) != nullptr) {
            unsigned st = 0;
            if (!header && std::sscanf(line, " %*d: %*s %*s %x", &st) == 1) {
                ++count[st & 15];
            }
            header = false;
        }
        std::fclose(f);
    }
    return count;
}

// Returns once the namespace's TCP sockets have stopped moving: none in FIN_WAIT1, CLOSING or
// LAST_ACK (a close still being answered), and the same count per state in three readings
// 50 ms apart. A close finishes in softirq context after close() returns, and the peer's own
// close waits for the server thread: a fixed pause (400 ms before) was too short on a loaded
// machine, and a sock_diag dump taken while sockets still leave the hash can skip one
// (diagnose then saw one port free in an exhausted pool, or 6499 of 6502 sockets). Bounded:
// after kSettleLimit the namespace is diagnosed as it is.
void settle() {
    constexpr std::size_t kFinWait1 = 4, kLastAck = 9, kClosing = 11;
    const auto deadline = std::chrono::steady_clock::now() + kSettleLimit;
    auto last = tcp_states();
    int same = 0;
    while (same < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto now = tcp_states();
        bool closing = now[kFinWait1] + now[kLastAck] + now[kClosing] > 0;
        same = !closing && now == last ? same + 1 : 0;
        last = now;
    }
}

sockaddr_in address(std::uint32_t host_order, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host_order);
    a.sin_port = htons(port);
    return a;
}

constexpr std::uint32_t kLoopback = 0x7f000001;  // 127.0.0.1

void send_report(int fd, const Report& r) {
    // One write: the size is far below PIPE_BUF.
    [[maybe_unused]] auto n = ::write(fd, &r, sizeof r);
    ::close(fd);
}

[[noreturn]] void hold_forever() {
    for (;;) {
        ::pause();
    }
}

[[noreturn]] void fail_setup(int fd, const char* what) {
    Report r;
    r.status = errno ? errno : EINVAL;
    std::snprintf(r.message, sizeof r.message, "%s: %s", what, std::strerror(r.status));
    send_report(fd, r);
    ::_exit(1);
}

int listen_on(std::uint32_t host, std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = address(host, port);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd, 4096) != 0) {
        return -1;
    }
    return fd;
}

// Accepts everything; closes a connection at once (CloseWait), or when the peer closes it.
[[noreturn]] void serve_tcp(std::vector<int> listeners, bool close_at_once) {
    std::vector<pollfd> fds;
    for (int l : listeners) {
        fds.push_back({l, POLLIN, 0});
    }
    const std::size_t n_listeners = fds.size();
    char buffer[512];
    for (;;) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            continue;
        }
        for (std::size_t i = n_listeners; i < fds.size(); ++i) {
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                auto got = ::read(fds[i].fd, buffer, sizeof buffer);
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                    ::close(fds[i].fd);
                    fds[i].fd = -1;
                }
            }
        }
        std::erase_if(fds, [](const pollfd& p) { return p.fd < 0; });
        for (std::size_t i = 0; i < n_listeners; ++i) {
            if (!(fds[i].revents & POLLIN))
                continue;
            for (;;) {
                int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                    break;
                if (close_at_once) {
                    ::close(c);
                } else {
                    fds.push_back({c, POLLIN, 0});
                }
            }
        }
        for (auto& p : fds)
            p.revents = 0;
    }
}

}  // namespace

bool add_dead_route() {
    struct Request {
        nlmsghdr header;
        rtmsg route;
        char attributes[64];
    } request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    request.header.nlmsg_type = RTM_NEWROUTE;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
    request.header.nlmsg_seq = 1;
    request.route.rtm_family = AF_INET;
    request.route.rtm_dst_len = 24;
    request.route.rtm_table = RT_TABLE_MAIN;
    request.route.rtm_protocol = RTPROT_STATIC;
    request.route.rtm_scope = RT_SCOPE_LINK;
    request.route.rtm_type = RTN_UNICAST;
    auto attribute = [&](unsigned short type, const void* data, unsigned short size) {
        auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&request) +
                                              NLMSG_ALIGN(request.header.nlmsg_len));
        rta->rta_type = type;
        rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
        std::memcpy(RTA_DATA(rta), data, size);
        request.header.nlmsg_len = NLMSG_ALIGN(request.header.nlmsg_len) + RTA_ALIGN(rta->rta_len);
    };
    std::uint32_t network = htonl(kDeadBackend & 0xffffff00u);
    std::uint32_t source = htonl(kLoopback);
    int lo = static_cast<int>(::if_nametoindex("lo"));
    attribute(RTA_DST, &network, sizeof network);
    attribute(RTA_PREFSRC, &source, sizeof source);
    attribute(RTA_OIF, &lo, sizeof lo);

    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return false;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    bool ok =
        ::sendto(fd, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) == static_cast<ssize_t>(request.header.nlmsg_len);
    char reply[512];
    ssize_t got = ok ? ::recv(fd, reply, sizeof reply, 0) : -1;
    ::close(fd);
    if (got < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr))))
        return false;
    const auto* answer = reinterpret_cast<const nlmsghdr*>(reply);
    if (answer->nlmsg_type != NLMSG_ERROR)
        return false;
    const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(answer));
    errno = -error->error;
    return error->error == 0;
}

void run_server(Pattern pattern, int report_fd) {
    ::prctl(PR_SET_NAME, pattern == Pattern::UdpLeak ? "pwlab-dns" : "pwlab-server");
    Report r;
    if (pattern == Pattern::UdpLeak) {
        int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        auto a = address(kLoopback, kUdpPort);
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            fail_setup(report_fd, "server bind(127.0.0.1:5353/udp)");
        }
        send_report(report_fd, r);
        hold_forever();  // the resolver's queries are never answered: it only needs ports
    }
    std::vector<int> listeners;
    bool wildcard = pattern == Pattern::BindBeforeConnect || pattern == Pattern::Healthy ||
                    pattern == Pattern::ProxyBind;
    int l = listen_on(wildcard ? 0 : kLoopback, kTcpPort);
    if (l < 0)
        fail_setup(report_fd, "server listen(:9000)");
    listeners.push_back(l);
    if (pattern == Pattern::Healthy || pattern == Pattern::ProxyBind) {
        int l2 = listen_on(0, kTcpPort2);
        if (l2 < 0)
            fail_setup(report_fd, "server listen(:9001)");
        listeners.push_back(l2);
    }
    send_report(report_fd, r);
    serve_tcp(std::move(listeners), pattern == Pattern::CloseWait);
}

namespace {

struct Attempt {
    int fd = -1;
    int error = 0;
    const char* call = "";
};

Attempt tcp_connect(std::uint32_t host, std::uint16_t port, bool bind_first) {
    Attempt a;
    a.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (a.fd < 0) {
        a.error = errno;
        a.call = "socket()";
        return a;
    }
    if (bind_first) {
        auto local = address(kLoopback, 0);  // bind(127.0.0.1, 0): the port is taken now
        if (::bind(a.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            a.error = errno;
            a.call = "bind()";
            ::close(a.fd);
            a.fd = -1;
            return a;
        }
    }
    auto remote = address(host, port);
    if (::connect(a.fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        a.error = errno;
        a.call = "connect()";
        ::close(a.fd);
        a.fd = -1;
    }
    return a;
}

void set_destination(Report& r, std::uint32_t host, std::uint16_t port) {
    in_addr in{htonl(host)};
    ::inet_ntop(AF_INET, &in, r.dest_addr, sizeof r.dest_addr);
    r.dest_port = port;
}

}  // namespace

bool has_taker(Pattern pattern) {
    return pattern == Pattern::ListenersInRange || pattern == Pattern::ProxyBind;
}

std::uint32_t taken_ports(Pattern pattern, std::uint32_t range_size) {
    switch (pattern) {
        case Pattern::ListenersInRange:
            return range_size * 9 / 10;
        case Pattern::ProxyBind:
            return range_size * 7 / 10;
        case Pattern::Reserved:
            return range_size * 4 / 5;
        default:
            return 0;
    }
}

void run_taker(Pattern pattern, std::uint32_t range_size, int report_fd) {
    ::prctl(PR_SET_NAME, std::string(info(pattern).taker_name).c_str());
    Report r;
    std::vector<int> held;
    const std::uint32_t want = taken_ports(pattern, range_size);
    if (pattern == Pattern::ListenersInRange) {
        // Half with bind(0.0.0.0, 0) + listen() (the kernel picks the port), half with bind()
        // to a port the application chose, from the top of the range down.
        std::uint32_t chosen = 0;
        std::uint16_t next = static_cast<std::uint16_t>(kRangeLow + range_size - 1);
        for (std::uint32_t i = 0; i < want; ++i) {
            bool pick = i % 2 == 1;
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                fail_setup(report_fd, "taker socket()");
            int rc = -1;
            if (pick) {
                for (; next >= kRangeLow && rc != 0; --next) {
                    auto a = address(0, next);
                    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
                }
            } else {
                auto a = address(0, 0);
                rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
            }
            if (rc != 0 || ::listen(fd, 16) != 0)
                fail_setup(report_fd, "taker bind()/listen()");
            chosen += pick;
            held.push_back(fd);
        }
        r.destinations = chosen;
    } else {
        // A proxy in front of one upstream, bound to its source address with port 0 before
        // each connect(), without IP_BIND_ADDRESS_NO_PORT.
        set_destination(r, kLoopback, kTcpPort);
        for (std::uint32_t i = 0; i < want; ++i) {
            Attempt a = tcp_connect(kLoopback, kTcpPort, true);
            if (a.fd < 0) {
                errno = a.error;
                fail_setup(report_fd, "taker bind()+connect()");
            }
            held.push_back(a.fd);
        }
        r.destinations = 1;
    }
    r.succeeded = static_cast<std::uint32_t>(held.size());
    settle();
    send_report(report_fd, r);
    hold_forever();
}

void run_client(Pattern pattern, std::uint32_t range_size, int report_fd) {
    ::prctl(PR_SET_NAME, std::string(info(pattern).client_name).c_str());
    Report r;
    std::vector<int> held;
    const std::uint32_t bound = 4 * range_size + 100;  // every loop ends
    auto record = [&](const Attempt& a) {
        r.error = a.error;
        std::snprintf(r.failed_call, sizeof r.failed_call, "%s", a.call);
    };
    switch (pattern) {
        case Pattern::Churn: {
            set_destination(r, kLoopback, kTcpPort);
            r.destinations = 1;
            Attempt keep = tcp_connect(kLoopback, kTcpPort, false);  // one long-lived connection
            if (keep.fd < 0) {
                record(keep);
                break;
            }
            held.push_back(keep.fd);
            ++r.succeeded;
            for (std::uint32_t i = 0; i < bound; ++i) {
                Attempt a = tcp_connect(kLoopback, kTcpPort, false);
                if (a.fd < 0) {
                    record(a);
                    break;
                }
                ::close(a.fd);  // the client closes first: its side goes to TIME_WAIT
                ++r.succeeded;
            }
            break;
        }
        case Pattern::CloseWait:
        case Pattern::Hoard:
        case Pattern::ListenersInRange:
        case Pattern::Reserved:
        case Pattern::ProxyBind: {
            // ProxyBind: toward another service than the proxy's upstream.
            std::uint16_t port = pattern == Pattern::ProxyBind ? kTcpPort2 : kTcpPort;
            set_destination(r, kLoopback, port);
            r.destinations = 1;
            for (std::uint32_t i = 0; i < bound; ++i) {
                Attempt a = tcp_connect(kLoopback, port, false);
                if (a.fd < 0) {
                    record(a);
                    break;
                }
                held.push_back(a.fd);  // never closed, even after the server closes its end
                ++r.succeeded;
            }
            break;
        }
        case Pattern::BindBeforeConnect: {
            set_destination(r, kLoopback + 1, kTcpPort);
            r.destinations = kBindDestinations;
            for (std::uint32_t i = 0; i < bound; ++i) {
                Attempt a = tcp_connect(kLoopback + 1 + i % kBindDestinations, kTcpPort, true);
                if (a.fd < 0) {
                    record(a);
                    break;
                }
                held.push_back(a.fd);
                ++r.succeeded;
            }
            break;
        }
        case Pattern::UdpLeak: {
            set_destination(r, kLoopback, kUdpPort);
            r.destinations = 1;
            auto remote = address(kLoopback, kUdpPort);
            for (std::uint32_t i = 0; i < bound; ++i) {
                int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0) {
                    record({-1, errno, "socket()"});
                    break;
                }
                // connect() autobinds a port, like a resolver's per-query socket.
                if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
                    record({-1, errno, "connect()"});
                    ::close(fd);
                    break;
                }
                held.push_back(fd);
                ++r.succeeded;
            }
            break;
        }
        case Pattern::DeadBackend: {
            set_destination(r, kDeadBackend, kDeadPort);
            r.destinations = 1;
            auto remote = address(kDeadBackend, kDeadPort);
            for (std::uint32_t i = 0; i < bound; ++i) {
                // Non-blocking, as an event loop would: the call returns, the SYN is never
                // answered.
                int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0) {
                    record({-1, errno, "socket()"});
                    break;
                }
                if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
                    errno != EINPROGRESS) {
                    record({-1, errno, "connect()"});
                    ::close(fd);
                    break;
                }
                held.push_back(fd);
                ++r.succeeded;
            }
            break;
        }
        case Pattern::Healthy: {
            set_destination(r, kLoopback + 1, kTcpPort);
            r.destinations = 2 * kHealthyHosts;
            for (std::uint32_t i = 0; i < kHealthyConnections + kHealthyChurn; ++i) {
                std::uint32_t host = kLoopback + 1 + i % kHealthyHosts;
                std::uint16_t port = (i / kHealthyHosts) % 2 ? kTcpPort2 : kTcpPort;
                Attempt a = tcp_connect(host, port, false);
                if (a.fd < 0) {
                    record(a);
                    break;
                }
                ++r.succeeded;
                if (i % 7 == 0 && i / 7 < kHealthyChurn) {
                    ::close(a.fd);  // some short requests, some TIME_WAIT
                } else {
                    held.push_back(a.fd);
                }
            }
            break;
        }
    }
    settle();  // let the peer's FINs and closes land
    send_report(report_fd, r);
    hold_forever();
}

}  // namespace portwatch::lab::detail
