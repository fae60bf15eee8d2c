#include "collect/linux/owner_source.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <span>
#include <thread>

#include "collect/linux/home_slot.h"
#include "collect/linux/procfs/fd_scan.h"
#include "core/radix_sort.h"
#ifdef PORTWATCH_HAVE_BPF
#include "collect/linux/bpf/bpf_owner_source.h"
#endif

namespace portwatch::collect {

Result<std::unique_ptr<OwnerSource>> make_owner_source(
    OwnerMode mode, const std::string& proc_root,
    [[maybe_unused]] std::vector<core::Warning>& warnings) {
    if (mode == OwnerMode::Bpf || mode == OwnerMode::Auto) {
#ifdef PORTWATCH_HAVE_BPF
        auto bpf = bpf::make_bpf_owner_source();
        if (bpf) {
            return std::move(*bpf);
        }
        if (mode == OwnerMode::Bpf) {
            return make_error("eBPF owner pass (--owners=bpf) unavailable: " + bpf.error().message);
        }
        warnings.push_back(
            {"eBPF owner pass unavailable (" + bpf.error().message + "); reading /proc instead"});
#else
        if (mode == OwnerMode::Bpf) {
            return make_error("this portwatch was built without eBPF support (--owners=bpf)");
        }
#endif
    }
    if (mode == OwnerMode::None) {
        return std::unique_ptr<OwnerSource>();
    }
    return std::make_unique<procfs::ProcFdScanner>(proc_root);
}

bool owner_pass_likely_knows_port_locks([[maybe_unused]] OwnerMode mode) {
#ifdef PORTWATCH_HAVE_BPF
    return (mode == OwnerMode::Bpf || mode == OwnerMode::Auto) && bpf::bpf_owner_source_likely();
#else
    return false;
#endif
}

namespace {

void scan_into(OwnerSource& source, OwnerPass& pass) {
    pass.name = source.name();
    pass.scan = source.scan();
    if (*pass.scan) {
        prepare_owner_scan(**pass.scan);
    }
}

}  // namespace

OwnerPass run_owner_pass(OwnerMode mode, const std::string& proc_root) {
    OwnerPass pass;
    auto source = make_owner_source(mode, proc_root, pass.warnings);
    if (!source) {
        pass.created = std::unexpected(source.error());
        return pass;
    }
    if (*source) {
        scan_into(**source, pass);
    }
    return pass;  // releases the source (an eBPF program: closing it) here, off the caller's path
}

OwnerPass KeptOwnerSource::run(OwnerMode mode, const std::string& proc_root) {
    if (mode == OwnerMode::None) {
        return OwnerPass{};
    }
    std::lock_guard lock(mutex_);
    if (source_ && (mode != mode_ || proc_root != proc_root_)) {
        source_.reset();
    }
    OwnerPass pass;
    if (!source_) {
        warnings_.clear();
        auto made = make_owner_source(mode, proc_root, warnings_);
        if (!made) {
            pass.created = std::unexpected(made.error());
            pass.warnings = warnings_;
            return pass;
        }
        source_ = std::move(*made);
        mode_ = mode;
        proc_root_ = proc_root;
    }
    pass.warnings = warnings_;
    scan_into(*source_, pass);
    if (!*pass.scan) {
        source_.reset();
    }
    return pass;
}

// Join of sockets to file descriptors, by inode.
// 1. Sort the (inode, pid) pairs and drop repeats (one process may hold several fds on one
//    socket; a socket shared after fork() appears once per process).
// 2. For each socket with an inode, binary-search its run of pairs. TIME_WAIT, request and
//    orphaned sockets have inode 0 and never match: the kernel keeps no file for them.
void prepare_owner_scan(OwnerScan& scan) {
    auto& refs = scan.sockets;
    // By (inode, pid): by pid, then stably by inode.
    std::vector<SocketRef> scratch;
    core::radix_sort(
        refs, [](const SocketRef& r) { return core::ordered_key(r.pid); }, scratch);
    core::radix_sort(
        refs, [](const SocketRef& r) { return r.inode; }, scratch);
    refs.erase(std::unique(refs.begin(), refs.end(),
                           [](const SocketRef& a, const SocketRef& b) {
                               return a.inode == b.inode && a.pid == b.pid;
                           }),
               refs.end());
    std::sort(scan.fd_counts.begin(), scan.fd_counts.end(),
              [](const FdCount& a, const FdCount& b) { return a.pid < b.pid; });
    index_owner_scan(scan);
}

void index_owner_scan(OwnerScan& scan) {
    const auto& refs = scan.sockets;
    // At most half full: a lookup probes one or two slots.
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(16, 2 * refs.size()));
    scan.by_inode.assign(slots, 0);
    for (std::size_t i = 0; i < refs.size(); ++i) {
        if (i > 0 && refs[i - 1].inode == refs[i].inode) {
            continue;
        }
        std::size_t slot = home_slot(refs[i].inode, slots);
        while (scan.by_inode[slot] != 0) {
            slot = (slot + 1) & (slots - 1);
        }
        scan.by_inode[slot] = static_cast<std::uint32_t>(i + 1);
    }
}

namespace {

// Also lists the pids it attached in `holders`, unsorted, each at least once: a small
// direct-mapped memory of pids already listed drops nearly every repeat (a table's sockets
// mostly belong to a few processes, interleaved), so the caller sorts a short list.
void attach_range(std::span<core::Socket> sockets, const OwnerScan& scan,
                  std::vector<std::int32_t>& holders) {
    const auto& refs = scan.sockets;
    const std::size_t slots = scan.by_inode.size();
    constexpr std::size_t kRecent = 64;
    std::array<std::int32_t, kRecent> recent;
    recent.fill(std::numeric_limits<std::int32_t>::min());
    for (auto& socket : sockets) {
        if (socket.inode == 0) {
            continue;
        }
        std::size_t slot = home_slot(socket.inode, slots);
        std::uint32_t found = 0;
        for (; scan.by_inode[slot] != 0; slot = (slot + 1) & (slots - 1)) {
            if (refs[scan.by_inode[slot] - 1].inode == socket.inode) {
                found = scan.by_inode[slot];
                break;
            }
        }
        if (found == 0) {
            continue;
        }
        for (auto it = refs.begin() + (found - 1); it != refs.end() && it->inode == socket.inode;
             ++it) {
            socket.owners.push_back(it->pid);
            auto& seen = recent[static_cast<std::uint32_t>(it->pid) % kRecent];
            if (seen != it->pid) {
                seen = it->pid;
                holders.push_back(it->pid);
            }
            if (scan.knows_port_locks && it->port_lock_known) {
                socket.binding =
                    it->port_locked ? core::PortBinding::Explicit : core::PortBinding::Auto;
            }
        }
        socket.attribution = core::Attribution::Owned;
    }
}

}  // namespace

// The lookups miss the cache: on the snapshot's critical path, large tables are split over
// two threads (the owner pass's core is idle by now). Owner lists keep their pids in place
// (core::PidList): no allocation per socket.
std::vector<std::int32_t> attach_owners(std::vector<core::Socket>& sockets, const OwnerScan& scan) {
    std::vector<std::int32_t> holders;
    if (scan.by_inode.empty()) {
        return holders;  // not prepared, or no socket descriptor at all
    }
    constexpr std::size_t kSplitAbove = 20000;
    std::span<core::Socket> all(sockets);
    if (all.size() <= kSplitAbove) {
        attach_range(all, scan, holders);
    } else {
        const std::size_t half = all.size() / 2;
        std::vector<std::int32_t> second;
        {
            std::jthread beside([&] { attach_range(all.subspan(half), scan, second); });
            attach_range(all.first(half), scan, holders);
        }
        holders.insert(holders.end(), second.begin(), second.end());
    }
    core::radix_sort(holders, [](std::int32_t pid) { return core::ordered_key(pid); });
    holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
    return holders;
}

}  // namespace portwatch::collect
