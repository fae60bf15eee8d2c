#include "collect/linux/procfs/fd_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/plural.h"
#include "formats/procfs/process_files.h"
#include "sys/read_file.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::procfs {

namespace {

// A directory entry's name as a number: a pid under /proc, a descriptor under fd/.
bool parse_number(const char* name, std::int32_t& number) {
    std::string_view s(name);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
    return ec == std::errc{} && p == s.data() + s.size() && number >= 0;
}

// "socket:[12345]" -> 12345
bool socket_inode(std::string_view link, std::uint64_t& inode) {
    constexpr std::string_view kPrefix = "socket:[";
    if (!link.starts_with(kPrefix) || !link.ends_with(']')) {
        return false;
    }
    link = link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1);
    auto [p, ec] = std::from_chars(link.data(), link.data() + link.size(), inode);
    return ec == std::errc{} && p == link.data() + link.size();
}

struct CloseDir {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirPtr = std::unique_ptr<DIR, CloseDir>;

// A listing of the directory `fd` refers to, on a descriptor of its own; null on failure.
DirPtr list_directory(int fd) {
    int copy = ::dup(fd);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (dir == nullptr && copy >= 0) {
        ::close(copy);
    }
    return DirPtr(dir);
}

// What one scanning thread found.
struct Partial {
    OwnerScan scan;
    std::size_t denied = 0;
    std::size_t vanished = 0;
};

// One descriptor's link: true when it was read (a socket or not), false with errno set.
bool read_link(int fd_dir, const char* name, std::int32_t pid, Partial& out) {
    char link[64];
    ssize_t n = ::readlinkat(fd_dir, name, link, sizeof link);
    if (n < 0) {
        return false;
    }
    std::uint64_t inode = 0;
    if (socket_inode(std::string_view(link, static_cast<std::size_t>(n)), inode)) {
        out.scan.sockets.push_back({inode, pid});
    }
    return true;
}

// Reads /proc/<pid>/fd: one readlinkat() per descriptor, keeping "socket:[inode]" links.
//
// 1. Since Linux 6.2 the size of /proc/<pid>/fd is the number of open descriptors. When it is
//    large, descriptors are found by probing 0, 1, 2, ... up to that count: listing the
//    directory (getdents) costs a dentry lookup per descriptor on top of readlinkat's own,
//    about a tenth of the pass.
// 2. Probing gives up on sparse tables (more than kMaxHoles holes beyond the count found),
//    on any error but ENOENT, or on kernels that report size 0; the listing then covers the
//    descriptors from the first number not probed.
void scan_process(int proc_fd, std::int32_t pid, Partial& out) {
    constexpr off_t kProbeFrom = 64;
    constexpr std::uint32_t kMaxHoles = 64;
    char path[32];
    auto [end, ec] = std::to_chars(path, path + sizeof path - 4, pid);
    std::memcpy(end, "/fd", 4);
    sys::UniqueFd fd_dir(::openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_dir) {
        (errno == ENOENT || errno == ESRCH ? out.vanished : out.denied)++;
        return;
    }
    std::uint32_t count = 0;
    std::int32_t next = 0;  // the first descriptor number not probed
    struct stat dir {};
    if (::fstat(fd_dir.get(), &dir) == 0 && dir.st_size >= kProbeFrom) {
        const auto open = static_cast<std::uint64_t>(dir.st_size);
        std::uint32_t holes = 0;
        char name[16];
        while (count < open && holes <= kMaxHoles + count) {
            *std::to_chars(name, name + sizeof name - 1, next).ptr = '\0';
            if (read_link(fd_dir.get(), name, pid, out)) {
                ++count;
            } else if (errno == ENOENT) {
                ++holes;
            } else {
                break;
            }
            ++next;
        }
        if (count == open) {
            out.scan.fd_counts.push_back({pid, count});
            return;
        }
    }
    DirPtr fds = list_directory(fd_dir.get());
    if (!fds) {
        return;
    }
    int list_error = 0;
    for (;;) {
        errno = 0;
        const dirent* fd = ::readdir(fds.get());
        if (fd == nullptr) {
            list_error = errno;
            break;
        }
        std::int32_t number = 0;
        if (fd->d_name[0] == '.' || (parse_number(fd->d_name, number) && number < next)) {
            continue;
        }
        ++count;
        read_link(fd_dir.get(), fd->d_name, pid, out);
    }
    if (list_error == 0) {
        out.scan.fd_counts.push_back({pid, count});
    } else {
        (list_error == EACCES || list_error == EPERM ? out.denied : out.vanished)++;
    }
}

// Every pid under /proc, or an error when it cannot be listed.
Result<std::vector<std::int32_t>> list_pids(int proc_fd, const std::string& proc_root) {
    DirPtr top = list_directory(proc_fd);
    if (!top) {
        return make_errno_error(errno, "cannot list " + proc_root);
    }
    std::vector<std::int32_t> pids;
    while (const dirent* entry = ::readdir(top.get())) {
        std::int32_t pid = 0;
        if (parse_number(entry->d_name, pid) && pid > 0) {
            pids.push_back(pid);
        }
    }
    return pids;
}

// With /proc mounted hidepid=invisible (or ptraceable), an unprivileged run does not even
// list other users' pids: no access is denied, their sockets just have no owner. The mount's
// options say so (proc(5)); root, and members of the mount's gid= group, see everything.
std::optional<std::string> hidden_processes_warning(const std::string& proc_root) {
    if (::geteuid() == 0) {
        return std::nullopt;
    }
    auto mountinfo = sys::read_file(proc_root + "/self/mountinfo");
    auto mount = mountinfo ? formats::parse_proc_mount(*mountinfo, proc_root) : std::nullopt;
    using formats::HidePid;
    if (!mount || (mount->hidepid != HidePid::Invisible && mount->hidepid != HidePid::Ptraceable)) {
        return std::nullopt;
    }
    if (mount->gid) {
        gid_t gid = *mount->gid;
        std::vector<gid_t> groups(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
        int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
        groups.resize(static_cast<std::size_t>(std::max(n, 0)));
        if (::getegid() == gid || std::find(groups.begin(), groups.end(), gid) != groups.end()) {
            return std::nullopt;
        }
    }
    return proc_root + " is mounted hidepid=" +
           (mount->hidepid == HidePid::Invisible ? "invisible" : "ptraceable") +
           ": other users' processes are hidden (not root: sockets of other users' processes "
           "show no owner)";
}

}  // namespace

// The pass is nearly all kernel work (path lookup, d_path) at a few microseconds per
// descriptor, 0.3 s for 100k sockets on one core, and processes are independent: threads
// take the next pid from a shared counter, one per core (at most kMaxThreads), and the
// results are concatenated; attach_owners() sorts them anyway.
namespace {

// The /proc every pass starts from, as a directory descriptor.
Result<sys::UniqueFd> open_proc_root(const std::string& proc_root) {
    sys::UniqueFd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) {
        return make_errno_error(errno, "cannot open " + proc_root);
    }
    return proc;
}

}  // namespace

Result<OwnerScan> ProcFdScanner::scan() {
    auto proc = open_proc_root(proc_root_);
    if (!proc) {
        return std::unexpected(proc.error());
    }
    auto pids = list_pids(proc->get(), proc_root_);
    if (!pids) {
        return std::unexpected(pids.error());
    }
    return scan_listed(proc->get(), *pids);
}

Result<OwnerScan> ProcFdScanner::scan_pids(std::span<const std::int32_t> pids) {
    auto proc = open_proc_root(proc_root_);
    if (!proc) {
        return std::unexpected(proc.error());
    }
    return scan_listed(proc->get(), pids);
}

Result<std::vector<FdCount>> ProcFdScanner::count_fds() {
    auto proc = open_proc_root(proc_root_);
    if (!proc) {
        return std::unexpected(proc.error());
    }
    auto pids = list_pids(proc->get(), proc_root_);
    if (!pids) {
        return std::unexpected(pids.error());
    }
    std::vector<FdCount> out;
    out.reserve(pids->size());
    for (std::int32_t pid : *pids) {
        char path[32];
        auto [end, ec] = std::to_chars(path, path + sizeof path - 4, pid);
        std::memcpy(end, "/fd", 4);
        struct stat dir {};
        if (::fstatat(proc->get(), path, &dir, 0) == 0) {
            out.push_back({pid, static_cast<std::uint32_t>(std::max<off_t>(dir.st_size, 0))});
        }
    }
    return out;
}

Result<OwnerScan> ProcFdScanner::scan_listed(int proc_fd, std::span<const std::int32_t> pids) {
    constexpr unsigned kMaxThreads = 4;
    constexpr std::size_t kPidsPerThread = 16;  // fewer: not worth a thread
    const unsigned threads = static_cast<unsigned>(
        std::clamp<std::size_t>(std::min<std::size_t>(std::thread::hardware_concurrency(),
                                                      pids.size() / kPidsPerThread + 1),
                                1, kMaxThreads));
    std::vector<Partial> parts(threads);
    std::atomic<std::size_t> next{0};
    auto work = [&](Partial& part) {
        for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < pids.size();) {
            scan_process(proc_fd, pids[i], part);
        }
    };
    {
        std::vector<std::jthread> helpers;
        for (unsigned t = 1; t < threads; ++t) {
            helpers.emplace_back(work, std::ref(parts[t]));
        }
        work(parts[0]);
    }
    OwnerScan out = std::move(parts[0].scan);
    std::size_t denied = parts[0].denied;
    std::size_t vanished = parts[0].vanished;
    for (unsigned t = 1; t < threads; ++t) {
        auto& part = parts[t];
        out.sockets.insert(out.sockets.end(), part.scan.sockets.begin(), part.scan.sockets.end());
        out.fd_counts.insert(out.fd_counts.end(), part.scan.fd_counts.begin(),
                             part.scan.fd_counts.end());
        denied += part.denied;
        vanished += part.vanished;
    }
    if (denied > 0) {
        out.warnings.push_back(
            {core::plural(denied, "process", "processes") +
             " denied access to their file descriptors" +
             (::geteuid() != 0 ? " (not root: sockets of other users' processes show no owner)"
                               : "")});
    }
    if (auto hidden = hidden_processes_warning(proc_root_)) {
        out.warnings.push_back({std::move(*hidden)});
    }
    if (vanished > 0) {
        out.warnings.push_back(
            {core::plural(vanished, "process", "processes") + " exited during the scan"});
    }
    return out;
}

}  // namespace portwatch::collect::procfs
