#pragma once
// NETLINK_SOCK_DIAG: the kernel's socket table, one dump per protocol and family (or, for TCP,
// both families in one walk).

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "core/socket.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::netlink {

class SockDiag {
  public:
    // Opens a sock_diag socket in the calling thread's network namespace.
    static Result<SockDiag> create();

    // Appends every socket of that protocol and family, TCP in all states (TIME_WAIT, request
    // sockets and, on 6.8+, bound-only sockets included). No family (TCP only) means both,
    // in one walk of the kernel's hash tables instead of two: the inet_diag compat request
    // (TCPDIAG_GETSOCK) filters with AF_UNSPEC. Either way sockets come in the order of the
    // per-family dumps: IPv4, then IPv6, each in the kernel's walk order.
    Result<void> dump(core::Protocol protocol, std::optional<core::Family> family,
                      std::vector<core::Socket>& out);

    // Which TCP sockets an explicit-bind query looks at. Bound-only sockets (TCP
    // TCP_BOUND_INACTIVE, 6.8+) live in the bind hash table, and walking it costs a tenth of a
    // 100k-socket dump: callers may skip them and ask Alone only when a dump found some.
    enum class BoundOnly { Included, Skipped, Alone };

    // Cookies of the sockets whose local port was bound explicitly: the kernel runs the
    // INET_DIAG_BC_AUTO test (port not locked by bind()) negated, the way `ss` filters
    // `autobound`. TIME_WAIT entries always count as automatic. Families as for dump().
    Result<std::unordered_set<std::uint64_t>> explicitly_bound(
        core::Protocol protocol, std::optional<core::Family> family,
        BoundOnly bound_only = BoundOnly::Included);

    // The same query for TCP sockets in `tcp_states` only (bit 1 << kernel state number, as
    // core::TcpState numbers them; TIME_WAIT and request sockets never pass): the kernel
    // rejects every other socket by its state before running the bytecode, so asking about
    // a few orphans costs a fraction of a full query. UDP ignores the mask.
    Result<std::unordered_set<std::uint64_t>> explicitly_bound_in(
        core::Protocol protocol, std::optional<core::Family> family, std::uint32_t tcp_states);

  private:
    explicit SockDiag(sys::UniqueFd fd) : fd_(std::move(fd)) {}
    template <typename OnMessage>
    Result<void> run(core::Protocol protocol, std::optional<core::Family> family,
                     std::uint32_t tcp_states, bool explicit_only, OnMessage&& on_message);

    sys::UniqueFd fd_;
    std::vector<char> buffer_;
    std::uint32_t sequence_ = 0;
};

}  // namespace portwatch::collect::netlink
