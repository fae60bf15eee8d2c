#pragma once
// NETLINK_SOCK_DIAG: the kernel's socket table, one dump per family and protocol.

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "collect/unique_fd.h"
#include "core/result.h"
#include "core/socket.h"

namespace portwatch::collect::netlink {

class SockDiag {
public:
    // Opens a sock_diag socket in the calling thread's network namespace.
    static Result<SockDiag> create();

    // Appends every socket of that protocol and family, TCP in all states (TIME_WAIT, request
    // sockets and, on 6.8+, bound-only sockets included).
    Result<void> dump(core::Protocol protocol, core::Family family,
                      std::vector<core::Socket>& out);

    // Cookies of the sockets whose local port was bound explicitly: the kernel runs the
    // INET_DIAG_BC_AUTO test (port not locked by bind()) negated, the way `ss` filters
    // `autobound`. TIME_WAIT entries always count as automatic.
    Result<std::unordered_set<std::uint64_t>> explicitly_bound(core::Protocol protocol,
                                                               core::Family family);

private:
    explicit SockDiag(UniqueFd fd) : fd_(std::move(fd)) {}
    template <typename OnMessage>
    Result<void> run(core::Protocol protocol, core::Family family, bool explicit_only,
                     OnMessage&& on_message);

    UniqueFd fd_;
    std::vector<char> buffer_;
    std::uint32_t sequence_ = 0;
};

}  // namespace portwatch::collect::netlink
