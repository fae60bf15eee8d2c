#pragma once
// Turns the iterator's raw per-descriptor records into an OwnerScan. Pure: no kernel needed.

#include <span>

#include "collect/linux/bpf/owners.h"
#include "collect/linux/owner_source.h"

namespace portwatch::collect::bpf {

// sockets: one SocketRef per socket descriptor, in any table of the process (a thread's private
//          table included), in the order the kernel walked them.
// fd_counts: per process, the descriptors of the table /proc/<pid>/fd lists (records flagged
//          PW_FD_LEADER_TABLE), ascending by pid. A process with no open descriptor is absent.
OwnerScan fold_fd_records(std::span<const pw_fd_record> records);

}  // namespace portwatch::collect::bpf
