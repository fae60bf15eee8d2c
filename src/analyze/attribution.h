#pragma once
// Who holds each socket, as the analysis sees it: the snapshot's owners, plus TIME_WAIT
// sockets (which have no owner: inode 0 on Linux, pid 0 on Windows) attributed to the
// processes that own other sockets to the same remote endpoint, labelled inferred.

#include <cstdint>
#include <span>
#include <vector>

#include "core/snapshot.h"

namespace portwatch::analyze {

class EffectiveOwners {
  public:
    static EffectiveOwners build(const core::Snapshot& snapshot);

    // Owners of snapshot.sockets[i]: its own, or the inferred ones; empty when unknown.
    std::span<const std::int32_t> of(std::size_t i) const;
    bool inferred(std::size_t i) const { return inferred_[i]; }
    std::uint32_t inferred_count() const { return inferred_count_; }
    std::uint32_t unowned_time_wait() const { return unowned_time_wait_; }

  private:
    const core::Snapshot* snapshot_ = nullptr;
    std::vector<std::vector<std::int32_t>> inferred_owners_;  // by socket; sparse use
    std::vector<std::uint32_t> inferred_index_;  // socket -> index into inferred_owners_ + 1
    std::vector<bool> inferred_;
    std::uint32_t inferred_count_ = 0;
    std::uint32_t unowned_time_wait_ = 0;
};

// Applies the inference to the snapshot itself (owners and Attribution::InferredEndpoint),
// for callers that render sockets. Returns how many sockets were attributed.
std::size_t attribute_time_wait(core::Snapshot& snapshot);

}  // namespace portwatch::analyze
