#pragma once
// Port bindings kept from one snapshot to the next, for a caller that snapshots one scope
// again and again (the monitor, every interval). Whether bind() chose a socket's port is
// settled when the socket gets that port, and only the kernel's explicit-bind query (a second
// walk of the whole socket table, with a filter run on every socket) tells it without eBPF:
// with the bindings of the last snapshots at hand, a snapshot asks only about the sockets it
// has not seen before, and not at all when there are none.

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "core/socket.h"

namespace portwatch::collect {

class BindingCache {
  public:
    // Sets `binding` on every socket still Unknown that an earlier kept snapshot had: the
    // same cookie, protocol and local port (a socket that gave its port back and bound
    // another is asked about again). Returns how many it set. Sockets of earlier snapshots
    // that this one does not have, or has with a binding already, are forgotten.
    std::size_t fill(std::vector<core::Socket>& sockets);
    // Keeps the bindings the sockets fill() left Unknown have now (`sockets` is the vector
    // fill() was given, resolved since: same sockets, same order).
    void keep(const std::vector<core::Socket>& sockets);
    std::size_t size() const { return live_; }                // sockets of the last snapshot kept
    std::size_t last_filled() const { return last_filled_; }  // what the last fill() set

  private:
    // A hash table by cookie (open addressing, linear probing; cookie 0: empty): one probe a
    // socket, in the order the dump gave them, rather than a sort of every cookie a sample.
    struct Entry {
        std::uint64_t cookie = 0;
        std::uint32_t round = 0;  // the last fill() that saw it
        std::uint16_t port = 0;
        core::Protocol protocol = core::Protocol::Tcp;
        core::PortBinding binding = core::PortBinding::Unknown;
    };
    Entry* find(std::uint64_t cookie);
    void put(const Entry& e);            // insert or overwrite; the table has room
    void rebuild(std::size_t capacity);  // keeps the entries of this round only

    std::mutex mutex_;
    std::vector<Entry> table_;
    std::size_t used_ = 0;  // slots taken, stale ones included
    std::size_t live_ = 0;  // entries of this round
    std::uint32_t round_ = 0;
    std::size_t last_filled_ = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> pending_;  // (cookie, index) left Unknown
};

}  // namespace portwatch::collect
