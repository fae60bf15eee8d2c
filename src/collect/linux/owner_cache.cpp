#include "collect/linux/owner_cache.h"

#include <algorithm>

#include "core/radix_sort.h"

namespace portwatch::collect {

namespace {

// The snapshot's socket inodes, sorted, without repeats (0: TIME_WAIT, requests, orphans).
std::vector<std::uint64_t> inodes_of(const std::vector<core::Socket>& sockets) {
    std::vector<std::uint64_t> out;
    out.reserve(sockets.size());
    for (const auto& s : sockets) {
        if (s.inode != 0) {
            out.push_back(s.inode);
        }
    }
    core::radix_sort(out, [](std::uint64_t inode) { return inode; });
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Inodes of `live` that neither `refs` (sorted by inode) nor `skip` (sorted) has.
std::vector<std::uint64_t> missing(const std::vector<std::uint64_t>& live,
                                   const std::vector<SocketRef>& refs,
                                   const std::vector<std::uint64_t>& skip) {
    std::vector<std::uint64_t> out;
    auto r = refs.begin();
    auto k = skip.begin();
    for (std::uint64_t inode : live) {
        while (r != refs.end() && r->inode < inode) {
            ++r;
        }
        while (k != skip.end() && *k < inode) {
            ++k;
        }
        if ((r == refs.end() || r->inode != inode) && (k == skip.end() || *k != inode)) {
            out.push_back(inode);
        }
    }
    return out;
}

// Keeps the entries of sorted `v` whose key `live` (sorted) has.
template <typename T, typename Key>
void keep_live(std::vector<T>& v, const std::vector<std::uint64_t>& live, Key key) {
    auto l = live.begin();
    std::erase_if(v, [&](const T& x) {
        while (l != live.end() && *l < key(x)) {
            ++l;
        }
        return l == live.end() || *l != key(x);
    });
}

}  // namespace

OwnerCache::OwnerCache(std::unique_ptr<OwnerSource> source)
    : mode_(OwnerMode::Auto), source_(std::move(source)), made_(true) {
    if (source_) {
        pass_.name = source_->name();
    }
}

const OwnerPass& OwnerCache::pass(const std::vector<core::Socket>& sockets, core::TimePoint now) {
    std::lock_guard lock(mutex_);
    if (!made_) {
        made_ = true;
        auto source = make_owner_source(mode_, proc_root_, pass_.warnings);
        if (!source) {
            pass_.created = std::unexpected(source.error());
            return pass_;
        }
        source_ = std::move(*source);
        if (source_) {
            pass_.name = source_->name();
        }
    }
    if (!pass_.created || !source_) {
        return pass_;  // no source, or --owners=none
    }
    const std::vector<std::uint64_t> live = inodes_of(sockets);
    const bool due =
        !pass_.scan || !*pass_.scan || now - last_full_ >= kFullEvery || now < last_full_;
    if (!due) {
        OwnerScan& scan = **pass_.scan;
        keep_live(scan.sockets, live, [](const SocketRef& r) { return r.inode; });
        index_owner_scan(scan);
        keep_live(unresolved_, live, [](std::uint64_t i) { return i; });
        if (missing(live, scan.sockets, unresolved_).empty()) {
            last_ = Last::Reused;
            return pass_;
        }
        if (partial() && missing(live, (*pass_.scan)->sockets, unresolved_).empty()) {
            last_ = Last::Partial;
            return pass_;
        }
    }
    full(now);
    if (*pass_.scan) {
        unresolved_ = missing(live, (*pass_.scan)->sockets, {});
    }
    return pass_;
}

void OwnerCache::full(core::TimePoint now) {
    pass_.scan = source_->scan();
    if (*pass_.scan) {
        prepare_owner_scan(**pass_.scan);
    }
    last_full_ = now;
    last_ = Last::Full;
}

bool OwnerCache::partial() {
    OwnerScan& scan = **pass_.scan;
    auto counts = source_->count_fds();
    if (!counts) {
        return false;
    }
    // Processes new or with another descriptor count are read again; those gone are dropped.
    std::sort(counts->begin(), counts->end(),
              [](const FdCount& a, const FdCount& b) { return a.pid < b.pid; });
    std::vector<std::int32_t> changed, dropped;
    auto old = scan.fd_counts.begin();
    for (const FdCount& c : *counts) {
        while (old != scan.fd_counts.end() && old->pid < c.pid) {
            dropped.push_back(old->pid);
            ++old;
        }
        if (old == scan.fd_counts.end() || old->pid != c.pid) {
            changed.push_back(c.pid);
        } else {
            if (old->count != c.count || c.count == 0) {
                changed.push_back(c.pid);
                dropped.push_back(c.pid);
            }
            ++old;
        }
    }
    for (; old != scan.fd_counts.end(); ++old) {
        dropped.push_back(old->pid);
    }
    std::sort(dropped.begin(), dropped.end());
    auto fresh = source_->scan_pids(changed);
    if (!fresh) {
        return false;
    }
    auto is_dropped = [&](std::int32_t pid) {
        return std::binary_search(dropped.begin(), dropped.end(), pid);
    };
    std::erase_if(scan.sockets, [&](const SocketRef& r) { return is_dropped(r.pid); });
    std::erase_if(scan.fd_counts, [&](const FdCount& c) { return is_dropped(c.pid); });
    scan.sockets.insert(scan.sockets.end(), fresh->sockets.begin(), fresh->sockets.end());
    scan.fd_counts.insert(scan.fd_counts.end(), fresh->fd_counts.begin(), fresh->fd_counts.end());
    prepare_owner_scan(scan);
    return true;
}

}  // namespace portwatch::collect
