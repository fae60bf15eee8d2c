#pragma once
// Who holds each socket: a pass over every process's file table, by /proc or by eBPF.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::collect {

struct SocketRef {
    std::uint64_t inode = 0;
    std::int32_t pid = 0;
};

struct FdCount {
    std::int32_t pid = 0;
    std::uint32_t count = 0;
};

struct OwnerScan {
    std::vector<SocketRef> sockets;   // one per socket fd; a pid may repeat an inode
    std::vector<FdCount> fd_counts;   // every process whose table was read
    std::vector<core::Warning> warnings;
};

class OwnerSource {
public:
    virtual ~OwnerSource() = default;
    virtual std::string_view name() const = 0;  // "proc" or "bpf"
    virtual Result<OwnerScan> scan() = 0;
};

enum class OwnerMode { Auto, Proc, Bpf, None };

// Auto tries eBPF and falls back to /proc, adding a warning that says why.
Result<std::unique_ptr<OwnerSource>> make_owner_source(OwnerMode mode, const std::string& proc_root,
                                                       std::vector<core::Warning>& warnings);

// Sets `owners` and `attribution` on every socket whose inode the scan saw (owners ascending,
// unique).
void attach_owners(std::vector<core::Socket>& sockets, OwnerScan& scan);

}  // namespace portwatch::collect
