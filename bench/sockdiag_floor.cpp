// sockdiag_floor: the snapshot's floor. Walks the kernel's TCP socket table once through
// NETLINK_SOCK_DIAG (one dump request, all states) and throws away what it receives: no
// decoding, no owners, no output. Any tool that lists the TCP sockets of a namespace through
// sock_diag pays at least this; bench/snapshot_bench.sh reports portwatch and `ss -tan` as
// ratios to it.
//
//   sockdiag_floor [--family inet|inet6|any] [--netns NAME] [--states MASK] [--count]
//
// --family  inet (default): one SOCK_DIAG_BY_FAMILY dump of AF_INET; inet6 the same for
//           AF_INET6; any: the inet_diag compat request (TCPDIAG_GETSOCK), whose AF_UNSPEC
//           filter returns both families from one walk.
// --netns   enter /run/netns/NAME first (a bare setns, as `portwatch --netns` does).
// --states  idiag_states bit mask (default 0x3ffe: the 13 TCP states portwatch asks for,
//           TIME_WAIT, request and, on Linux 6.8+, bound-only sockets included).
// --count   print the number of sockets received on stderr (a sanity check for scripts).
//
// The receive buffer is 64 KiB: the kernel fills at most one dump skb (32 KiB) per recv().

#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

struct Options {
    int family = AF_INET;  // AF_UNSPEC: the compat request
    std::string netns;
    std::uint32_t states = 0x3FFE;
    bool count = false;
};

int usage() {
    std::fputs(
        "usage: sockdiag_floor [--family inet|inet6|any] [--netns NAME] [--states MASK] "
        "[--count]\n",
        stderr);
    return 2;
}

bool parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (flag == "--count") {
            o.count = true;
            continue;
        }
        if (i + 1 >= argc) {
            return false;
        }
        std::string_view value = argv[++i];
        if (flag == "--family") {
            if (value == "inet") {
                o.family = AF_INET;
            } else if (value == "inet6") {
                o.family = AF_INET6;
            } else if (value == "any") {
                o.family = AF_UNSPEC;
            } else {
                return false;
            }
        } else if (flag == "--netns" && !value.empty()) {
            o.netns = value;
        } else if (flag == "--states") {
            int base = 10;
            if (value.starts_with("0x")) {
                value.remove_prefix(2);
                base = 16;
            }
            auto [p, ec] =
                std::from_chars(value.data(), value.data() + value.size(), o.states, base);
            if (ec != std::errc{} || p != value.data() + value.size()) {
                return false;
            }
        } else {
            return false;
        }
    }
    return true;
}

int fail(const char* what) {
    std::fprintf(stderr, "sockdiag_floor: %s: %s\n", what, std::strerror(errno));
    return 1;
}

template <typename Body>
struct Request {
    nlmsghdr header;
    Body body;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        return usage();
    }
    if (!o.netns.empty()) {
        std::string path = "/run/netns/" + o.netns;
        int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
            return fail(path.c_str());
        }
        ::close(ns);
    }
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        return fail("netlink socket");
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    if (o.family == AF_UNSPEC) {
        Request<inet_diag_req> r{};
        r.header = {sizeof r, TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0};
        r.body.idiag_family = AF_INET;
        r.body.idiag_states = o.states;
        sent = ::sendto(fd, &r, sizeof r, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    } else {
        Request<inet_diag_req_v2> r{};
        r.header = {sizeof r, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0};
        r.body.sdiag_family = static_cast<std::uint8_t>(o.family);
        r.body.sdiag_protocol = IPPROTO_TCP;
        r.body.idiag_states = o.states;
        sent = ::sendto(fd, &r, sizeof r, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    }
    if (sent < 0) {
        return fail("sock_diag request");
    }
    alignas(nlmsghdr) static char buffer[64 * 1024];
    long sockets = 0;
    for (;;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("sock_diag receive");
        }
        if (n == 0) {
            std::fputs("sockdiag_floor: the kernel closed the dump early\n", stderr);
            return 1;
        }
        auto* h = reinterpret_cast<nlmsghdr*>(buffer);
        auto left = static_cast<unsigned>(n);
        for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                if (o.count) {
                    std::fprintf(stderr, "%ld\n", sockets);
                }
                return 0;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                errno = -err->error;
                return fail("sock_diag");
            }
            ++sockets;
        }
    }
}
