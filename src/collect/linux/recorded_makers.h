#pragma once
// Exact owners for sockets no descriptor refers to (TIME_WAIT, FIN_WAIT2 timewait, orphans):
// the makers a running monitor's eBPF event source recorded by socket cookie
// (collect/linux/bpf/pinned_makers.h). Pure: the lookup is injected, so tests need no kernel.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/events.h"
#include "core/process.h"
#include "core/snapshot.h"

namespace portwatch::collect {

using MakerLookup = std::function<std::optional<core::Maker>(std::uint64_t cookie)>;

// Gives every TCP socket without owners whose cookie `lookup` knows its maker's pid, marked
// Attribution::Recorded. Returns the makers used, one per pid.
std::vector<core::Maker> attach_recorded_makers(std::vector<core::Socket>& sockets,
                                                const MakerLookup& lookup);

// After the makers' processes were read (`processes` holds one entry per maker pid, as
// procfs::read_processes yields it: a gone pid has pid only): a maker that exited becomes a
// Process named by its comm, with its start time; a pid now used by another process (its start
// time differs) gives its sockets back (no owner, Unknown). Returns how many sockets were
// given back.
std::size_t settle_recorded_makers(std::vector<core::Socket>& sockets,
                                   const std::vector<core::Maker>& makers,
                                   std::vector<core::Process>& processes);

}  // namespace portwatch::collect
