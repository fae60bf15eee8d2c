#include "collect/linux/netlink/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace portwatch::collect::netlink {

namespace {

// 32 KiB is the most the kernel puts in one dump skb; a larger buffer only costs memory.
constexpr std::size_t kBufferSize = 64 * 1024;
// Every TCP state bit, 1..13 (13 = TCP_BOUND_INACTIVE, Linux 6.8+; older kernels ignore it).
constexpr std::uint32_t kAllStates = 0x3FFE;
constexpr std::uint32_t kBoundInactive = 1u << 13;
// The states an explicitly bound socket can be in: TIME_WAIT (6) and request (12) sockets are
// not full sockets, so the kernel runs the bytecode on them without bind locks and they never
// pass it; leaving them out spares that work.
constexpr std::uint32_t kExplicitCandidates = kAllStates & ~(1u << 6) & ~(1u << 12);

// Fills `s`, a default-constructed socket already in its vector (no temporary to move).
// TIME_WAIT and request sockets get PortBinding::Auto here: they are not full sockets, hold no
// bind lock, and the explicit-bind query never returns them.
void decode(const inet_diag_msg& m, core::Protocol protocol, core::Socket& s) {
    s.protocol = protocol;
    auto state = static_cast<core::TcpState>(m.idiag_state);
    if (protocol == core::Protocol::Tcp) {
        if (state == core::TcpState::TimeWait) {
            s.binding = core::PortBinding::Auto;
        } else if (state == core::TcpState::NewSynRecv) {
            s.binding = core::PortBinding::Auto;
            state = core::TcpState::SynRecv;
        } else if (state == core::TcpState::Close) {
            state = core::TcpState::Bound;  // only bound-inactive sockets dump as CLOSE
        }
    }
    s.state = state;
    s.timer = static_cast<core::TimerKind>(m.idiag_timer <= 4 ? m.idiag_timer : 0);
    s.expires_ms = m.idiag_expires;
    s.rqueue = m.idiag_rqueue;
    s.wqueue = m.idiag_wqueue;
    s.inode = m.idiag_inode;
    s.interface = m.id.idiag_if;
    s.cookie = static_cast<std::uint64_t>(m.id.idiag_cookie[1]) << 32 | m.id.idiag_cookie[0];
    // The kernel does not fill uid for TIME_WAIT and request sockets.
    if (m.idiag_inode != 0 || state == core::TcpState::Listen) {
        s.uid = m.idiag_uid;
    }
    const auto* src = reinterpret_cast<const std::uint8_t*>(m.id.idiag_src);
    const auto* dst = reinterpret_cast<const std::uint8_t*>(m.id.idiag_dst);
    if (m.idiag_family == AF_INET) {
        s.local.address = core::IpAddress::v4_bytes(src);
        s.remote.address = core::IpAddress::v4_bytes(dst);
    } else {
        auto link_local = [](const std::uint8_t* b) {
            return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
        };
        s.local.address = core::IpAddress::v6_bytes(src, link_local(src) ? m.id.idiag_if : 0);
        s.remote.address = core::IpAddress::v6_bytes(dst, link_local(dst) ? m.id.idiag_if : 0);
    }
    s.local.port = ntohs(m.id.idiag_sport);
    s.remote.port = ntohs(m.id.idiag_dport);
}

}  // namespace

Result<SockDiag> SockDiag::create() {
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        return make_errno_error(errno, "netlink sock_diag socket");
    }
    sys::UniqueFd owned(fd);
    int size = 4 * 1024 * 1024;  // room for bursts; SO_RCVBUFFORCE needs CAP_NET_ADMIN
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    SockDiag diag(std::move(owned));
    diag.buffer_.resize(kBufferSize);
    return diag;
}

namespace {

// A dump request: the netlink header, the inet_diag request (v2, or the compat one that asks
// for both families), and optionally the bytecode that keeps only explicitly bound sockets.
template <typename Body>
struct Request {
    nlmsghdr header;
    Body body;
    nlattr bytecode_attr;
    inet_diag_bc_op ops[2];
};

template <typename Body>
Result<void> send_request(int fd, Request<Body>& request, std::uint16_t type, std::uint32_t seq,
                          bool explicit_only) {
    request.header.nlmsg_type = type;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = seq;
    std::size_t length = NLMSG_LENGTH(sizeof(Body));
    if (explicit_only) {
        // "not autobound", compiled as ss compiles `!autobound`: a program accepts a socket
        // when its jumps end exactly on the last byte (inet_diag_bc_run), and the kernel's
        // audit wants every `yes` chain to do so, so negation is AUTO then an always-false JMP
        // whose `no` jumps past the end.
        request.bytecode_attr.nla_type = INET_DIAG_REQ_BYTECODE;
        request.bytecode_attr.nla_len = NLA_HDRLEN + sizeof request.ops;
        request.ops[0] = {INET_DIAG_BC_AUTO, 4, 8};
        request.ops[1] = {INET_DIAG_BC_JMP, 4, 8};
        length += NLA_HDRLEN + sizeof request.ops;
    }
    request.header.nlmsg_len = static_cast<std::uint32_t>(length);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &request, length, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0) {
        return make_errno_error(errno, "sock_diag request");
    }
    return {};
}

}  // namespace

template <typename OnMessage>
Result<void> SockDiag::run(core::Protocol protocol, std::optional<core::Family> family,
                           std::uint32_t tcp_states, bool explicit_only, OnMessage&& on_message) {
    const std::uint32_t seq = ++sequence_;
    Result<void> sent;
    if (family) {
        Request<inet_diag_req_v2> request{};
        request.body.sdiag_family = *family == core::Family::Ipv4 ? AF_INET : AF_INET6;
        request.body.sdiag_protocol = protocol == core::Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
        request.body.idiag_states = protocol == core::Protocol::Tcp ? tcp_states : 0xFFFFFFFF;
        sent = send_request(fd_.get(), request, SOCK_DIAG_BY_FAMILY, seq, explicit_only);
    } else {
        // The compat request exists for TCP only; the kernel turns it into a v2 request with
        // sdiag_family = AF_UNSPEC, which its table walk treats as "any family".
        if (protocol != core::Protocol::Tcp) {
            return make_error("sock_diag: a dump of both families is TCP only");
        }
        Request<inet_diag_req> request{};
        request.body.idiag_family = AF_INET;
        request.body.idiag_states = tcp_states;
        sent = send_request(fd_.get(), request, TCPDIAG_GETSOCK, seq, explicit_only);
    }
    if (!sent) {
        return sent;
    }
    for (;;) {
        ssize_t n = ::recv(fd_.get(), buffer_.data(), buffer_.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return make_errno_error(errno, "sock_diag receive");
        }
        if (n == 0) {
            return make_error("sock_diag: the kernel closed the dump early");
        }
        auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
        auto left = static_cast<unsigned>(n);
        for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) {
                continue;
            }
            if (h->nlmsg_type == NLMSG_DONE) {
                return {};
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                if (err->error == 0) {
                    continue;
                }
                return make_errno_error(-err->error, "sock_diag");
            }
            if ((h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) ||
                h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
                continue;
            }
            on_message(*static_cast<const inet_diag_msg*>(NLMSG_DATA(h)));
        }
    }
}

Result<void> SockDiag::dump(core::Protocol protocol, std::optional<core::Family> family,
                            std::vector<core::Socket>& out) {
    if (family) {
        return run(protocol, family, kAllStates, false,
                   [&](const inet_diag_msg& m) { decode(m, protocol, out.emplace_back()); });
    }
    // Both families in one walk, delivered IPv4 first as two per-family dumps would be (each
    // walks the same tables in the same order): IPv6 messages wait, as 72-byte kernel records
    // rather than decoded sockets, until the walk ends.
    std::vector<inet_diag_msg> v6;
    auto ok = run(protocol, family, kAllStates, false, [&](const inet_diag_msg& m) {
        if (m.idiag_family == AF_INET) {
            decode(m, protocol, out.emplace_back());
        } else {
            v6.push_back(m);
        }
    });
    if (!ok) {
        return ok;
    }
    for (const auto& m : v6) {
        decode(m, protocol, out.emplace_back());
    }
    return {};
}

Result<std::unordered_set<std::uint64_t>> SockDiag::explicitly_bound(
    core::Protocol protocol, std::optional<core::Family> family, BoundOnly bound_only) {
    std::uint32_t states = kExplicitCandidates;
    if (bound_only == BoundOnly::Skipped) {
        states &= ~kBoundInactive;
    } else if (bound_only == BoundOnly::Alone) {
        states = kBoundInactive;
    }
    return explicitly_bound_in(protocol, family, states);
}

Result<std::unordered_set<std::uint64_t>> SockDiag::explicitly_bound_in(
    core::Protocol protocol, std::optional<core::Family> family, std::uint32_t tcp_states) {
    const std::uint32_t states = tcp_states & kExplicitCandidates;
    std::unordered_set<std::uint64_t> cookies;
    if (protocol == core::Protocol::Tcp && states == 0) {
        return cookies;  // a zero mask would ask the kernel for nothing, the slow way
    }
    auto ok = run(protocol, family, states, true, [&](const inet_diag_msg& m) {
        cookies.insert(static_cast<std::uint64_t>(m.id.idiag_cookie[1]) << 32 |
                       m.id.idiag_cookie[0]);
    });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return cookies;
}

}  // namespace portwatch::collect::netlink
