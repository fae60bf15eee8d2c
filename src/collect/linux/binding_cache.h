#pragma once
// Port bindings kept from one snapshot to the next, for a caller that snapshots one scope
// again and again (the monitor, every interval). Whether bind() chose a socket's port is
// settled when the socket gets that port, and only the kernel's explicit-bind query (a second
// walk of the whole socket table, with a filter run on every socket) tells it without eBPF:
// with the bindings of the last snapshot at hand, a snapshot asks only about the sockets it
// has not seen before, and not at all when there are none.

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "core/socket.h"

namespace portwatch::collect {

class BindingCache {
  public:
    // Sets `binding` on every socket still Unknown that the last kept snapshot had: the same
    // cookie, protocol and local port (a socket that gave its port back and bound another is
    // asked about again). Returns how many it set.
    std::size_t fill(std::vector<core::Socket>& sockets);
    // Keeps the bindings of `sockets`, the vector fill() was given and has resolved since
    // (same sockets, same order), for the next snapshot; sockets without a cookie or with
    // binding Unknown are not kept.
    void keep(const std::vector<core::Socket>& sockets);
    std::size_t size() const { return kept_.size(); }
    std::size_t last_filled() const { return last_filled_; }  // what the last fill() set

  private:
    struct Entry {
        std::uint64_t cookie = 0;
        std::uint16_t port = 0;
        core::Protocol protocol = core::Protocol::Tcp;
        core::PortBinding binding = core::PortBinding::Unknown;
    };
    std::mutex mutex_;
    std::vector<Entry> kept_;  // by cookie
    std::size_t last_filled_ = 0;
    // fill()'s sockets as (cookie, index), sorted: keep() walks them in cookie order.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order_;
};

}  // namespace portwatch::collect
