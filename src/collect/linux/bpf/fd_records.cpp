#include "collect/linux/bpf/fd_records.h"

#include <algorithm>
#include <cstddef>

namespace portwatch::collect::bpf {

// The kernel side (clang, BPF target) writes these bytes: both compilers must agree on them.
static_assert(sizeof(pw_fd_record) == 16);
static_assert(offsetof(pw_fd_record, tgid) == 8 && offsetof(pw_fd_record, flags) == 12);

// The kernel walks task by task, so one process's records arrive as one run; counting runs
// keeps this linear. A pid that appears in two runs (a thread with a private table walked
// between two others) is merged after sorting.
OwnerScan fold_fd_records(std::span<const pw_fd_record> records) {
    OwnerScan out;
    for (const auto& record : records) {
        const auto pid = static_cast<std::int32_t>(record.tgid);
        if ((record.flags & PW_FD_SOCKET) != 0) {
            out.sockets.push_back({record.inode, pid});
        }
        if ((record.flags & PW_FD_LEADER_TABLE) == 0) {
            continue;
        }
        if (out.fd_counts.empty() || out.fd_counts.back().pid != pid) {
            out.fd_counts.push_back({pid, 0});
        }
        ++out.fd_counts.back().count;
    }
    auto& counts = out.fd_counts;
    std::stable_sort(counts.begin(), counts.end(),
                     [](const FdCount& a, const FdCount& b) { return a.pid < b.pid; });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (kept > 0 && counts[kept - 1].pid == counts[i].pid) {
            counts[kept - 1].count += counts[i].count;
        } else {
            counts[kept++] = counts[i];
        }
    }
    counts.resize(kept);
    return out;
}

}  // namespace portwatch::collect::bpf
