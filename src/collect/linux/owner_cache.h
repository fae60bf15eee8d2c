#pragma once
// Owners kept from one snapshot to the next, for a caller that snapshots one scope again and
// again (the monitor, every interval): the file tables of every process are read again only
// when the dump shows a socket inode no pass has seen, and fully once every kFullEvery.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collect/linux/owner_source.h"
#include "core/clock.h"
#include "core/socket.h"

namespace portwatch::collect {

class OwnerCache {
  public:
    // A full pass at least this often: what no new inode reveals (a socket passed to another
    // process, a child holding its parent's sockets, a holder that exited) is at most this old.
    static constexpr std::chrono::seconds kFullEvery{30};

    OwnerCache(OwnerMode mode, std::string proc_root)
        : mode_(mode), proc_root_(std::move(proc_root)) {}
    // With the source given (tests: a scripted one).
    explicit OwnerCache(std::unique_ptr<OwnerSource> source);

    // The owner pass for a snapshot whose sockets were just dumped (`sockets`), taken at
    // `now`. Valid until the next call. Not for concurrent use (a mutex guards it anyway).
    const OwnerPass& pass(const std::vector<core::Socket>& sockets, core::TimePoint now);

    // How the last pass was made, for tests and benchmarks.
    enum class Last { Full, Partial, Reused };
    Last last() const { return last_; }

  private:
    void full(core::TimePoint now);
    // Reads the tables of the processes that changed (new, gone, another descriptor count)
    // and drops what they held before; false when the source cannot do that (eBPF).
    bool partial();

    OwnerMode mode_;
    std::string proc_root_;
    std::mutex mutex_;
    std::unique_ptr<OwnerSource> source_;  // made once (eBPF: loaded once)
    bool made_ = false;
    OwnerPass pass_;
    std::vector<std::uint64_t> unresolved_;  // inodes a full pass found no holder for, sorted
    core::TimePoint last_full_{};
    Last last_ = Last::Full;
};

}  // namespace portwatch::collect
