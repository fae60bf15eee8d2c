#pragma once
// The processes of this host as Windows shows them to the caller: a Toolhelp snapshot (pid,
// parent, image name, for every process whatever the rights), then for each wanted pid its
// full image path, user, start time and handle count where OpenProcess allows.

#include <cstdint>
#include <set>
#include <vector>

#include "core/host_config.h"
#include "core/process.h"
#include "core/result.h"

namespace portwatch::collect::windows {

struct ProcessTable {
    std::vector<core::Process> processes;     // the wanted pids, ascending
    std::vector<core::HandleHolder> handles;  // every process whose count could be read
    std::uint32_t denied = 0;                 // wanted pids OpenProcess refused
    std::uint32_t gone = 0;                   // wanted pids not in the snapshot
};

// `wanted`: the pids whose details are read (the sockets' owners); `handle_counts`: also read
// the handle count of every process (diagnose's memory evidence).
Result<ProcessTable> read_processes(const std::set<std::int32_t>& wanted, bool handle_counts);

}  // namespace portwatch::collect::windows
