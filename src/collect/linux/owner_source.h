#pragma once
// Who holds each socket: a pass over every process's file table, by /proc or by eBPF.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collect/linux/platform_options.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::collect {

struct SocketRef {
    std::uint64_t inode = 0;
    std::int32_t pid = 0;
    // bind() chose the socket's port (SOCK_BINDPORT_LOCK); meaningful when the scan
    // knows_port_locks and the source read this socket's lock (port_lock_known).
    bool port_locked = false;
    bool port_lock_known = false;
};

struct FdCount {
    std::int32_t pid = 0;
    std::uint32_t count = 0;
};

struct OwnerScan {
    std::vector<SocketRef> sockets;  // one per socket fd; a pid may repeat an inode
    std::vector<FdCount> fd_counts;  // every process whose table was read
    std::vector<core::Warning> warnings;
    // The source read each socket's port lock (eBPF does; /proc cannot): the snapshot then
    // takes PortBinding from here instead of a second, filtered walk of the socket table.
    bool knows_port_locks = false;
    // prepare_owner_scan's index of `sockets` by inode, for attach_owners to find a socket's
    // pairs in O(1): open addressing, each slot 1 + the position of an inode's first pair, 0
    // when empty.
    std::vector<std::uint32_t> by_inode;
};

class OwnerSource {
  public:
    virtual ~OwnerSource() = default;
    virtual std::string_view name() const = 0;  // "proc" or "bpf"
    virtual Result<OwnerScan> scan() = 0;
    // For a caller that keeps the last scan (OwnerCache): every process with its number of
    // descriptors, and the tables of some processes only. Sources that walk everything in
    // one go (eBPF) cannot: Unsupported.
    virtual Result<std::vector<FdCount>> count_fds() {
        return std::unexpected(Error{ErrorKind::Unsupported, 0, "whole walks only"});
    }
    virtual Result<OwnerScan> scan_pids(std::span<const std::int32_t> pids) {
        (void)pids;
        return std::unexpected(Error{ErrorKind::Unsupported, 0, "whole walks only"});
    }
};

enum class OwnerMode { Auto, Proc, Bpf, None };

// The mode LiveOptions ask for: `owners` off, or the method.
inline OwnerMode owner_mode(bool owners, OwnerMethod method) {
    if (!owners)
        return OwnerMode::None;
    switch (method) {
        case OwnerMethod::Proc:
            return OwnerMode::Proc;
        case OwnerMethod::Bpf:
            return OwnerMode::Bpf;
        case OwnerMethod::Auto:
            break;
    }
    return OwnerMode::Auto;
}

// Auto tries eBPF and falls back to /proc, adding a warning that says why.
Result<std::unique_ptr<OwnerSource>> make_owner_source(OwnerMode mode, const std::string& proc_root,
                                                       std::vector<core::Warning>& warnings);

// Sorts a scan for joining: (inode, pid) pairs ascending without repeats, fd counts by pid;
// indexes the pairs by inode.
void prepare_owner_scan(OwnerScan& scan);

// Builds by_inode again after pairs were removed from a prepared scan (still sorted).
void index_owner_scan(OwnerScan& scan);

// Sets `owners` and `attribution` on every socket whose inode the (prepared) scan saw (owners
// ascending, unique); when the scan knows_port_locks, also `binding` (Explicit or Auto) on
// those sockets. Returns the pids it attached, ascending and unique: the processes to read.
std::vector<std::int32_t> attach_owners(std::vector<core::Socket>& sockets, const OwnerScan& scan);

// One owner pass: the source chosen for `mode` and its prepared scan. File tables belong to
// processes, not to network namespaces, so one pass serves the snapshots of every namespace
// (diagnose --netns all shares it through LiveOptions::owner_pass).
struct OwnerPass {
    Result<void> created;                   // no source (e.g. --owners=bpf without eBPF)
    std::string name = "none";              // the source used
    std::optional<Result<OwnerScan>> scan;  // empty with --owners=none
    std::vector<core::Warning> warnings;    // from choosing the source
};

OwnerPass run_owner_pass(OwnerMode mode, const std::string& proc_root);

// One owner source for many passes, made at the first and kept: a process that snapshots
// over and over (the exporter, once a scrape) loads the eBPF iterator and parses the kernel's
// BTF once, not every time. A pass whose scan fails drops the source, so the next one makes
// it again (and may fall back to /proc then). Passes take turns.
class KeptOwnerSource {
  public:
    OwnerPass run(OwnerMode mode, const std::string& proc_root);

  private:
    std::mutex mutex_;
    std::unique_ptr<OwnerSource> source_;
    std::vector<core::Warning> warnings_;  // from choosing it: repeated in every pass
    OwnerMode mode_ = OwnerMode::None;
    std::string proc_root_;
};

// Whether run_owner_pass(mode) will most likely read port locks (OwnerScan::knows_port_locks):
// eBPF chosen and its privileges present. A cheap guess, made before the pass starts; a wrong
// one costs time, not correctness.
bool owner_pass_likely_knows_port_locks(OwnerMode mode);

}  // namespace portwatch::collect
