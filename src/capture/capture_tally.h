#pragma once

#include "core/plural.h"
// What the parser counted in one snapshot, and the warnings those counts turn into.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot.h"

namespace portwatch::capture {

struct CaptureTally {
    std::uint64_t rows = 0;
    std::uint64_t skipped = 0;
    std::uint64_t unrecognised = 0;
    std::string first_unrecognised;  // "line 12: '...'"
    std::uint64_t unknown_state = 0;
    std::string first_unknown_state;
    std::uint64_t named = 0;
    std::uint64_t without_pid_column = 0;
    std::uint64_t owner_unavailable = 0;
    std::uint64_t names_without_pid = 0;
    std::uint64_t orphan_system = 0;  // [System] shown for a PID other than 4
    std::uint64_t without_ports = 0;
    std::uint64_t cut = 0;      // rows with an address net-tools may have cut
    std::uint64_t by_name = 0;  // sockets owned by name (netstat -ab without -o)
};

// "1 line", "3 lines".
using core::plural;

// Appends the warnings `tally` calls for. `windows_netstat`: the snapshot has Windows netstat
// rows (so missing BOUND rows are worth a word).
void append_tally_warnings(const CaptureTally& tally, bool windows_netstat, bool has_bound_rows,
                           std::vector<core::Warning>& out);

}  // namespace portwatch::capture
