#include "collect/procfs/fd_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "collect/unique_fd.h"

namespace portwatch::collect::procfs {

namespace {

bool parse_pid(const char* name, std::int32_t& pid) {
    std::string_view s(name);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
    return ec == std::errc{} && p == s.data() + s.size() && pid > 0;
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

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + ' ' + (n == 1 ? one : many);
}

}  // namespace

Result<OwnerScan> ProcFdScanner::scan() {
    UniqueFd proc(::open(proc_root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) {
        return make_error("cannot open " + proc_root_ + ": " + std::strerror(errno));
    }
    DIR* top = ::fdopendir(::dup(proc.get()));
    if (top == nullptr) {
        return make_error("cannot list " + proc_root_ + ": " + std::strerror(errno));
    }
    OwnerScan out;
    std::size_t denied = 0;
    std::size_t vanished = 0;
    char path[32];
    char link[64];
    while (const dirent* entry = ::readdir(top)) {
        std::int32_t pid = 0;
        if (!parse_pid(entry->d_name, pid)) {
            continue;
        }
        auto [end, ec] = std::to_chars(path, path + sizeof path - 4, pid);
        std::memcpy(end, "/fd", 4);
        int fd_dir = ::openat(proc.get(), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_dir < 0) {
            (errno == ENOENT || errno == ESRCH ? vanished : denied)++;
            continue;
        }
        DIR* fds = ::fdopendir(fd_dir);
        if (fds == nullptr) {
            ::close(fd_dir);
            continue;
        }
        std::uint32_t count = 0;
        int list_error = 0;
        for (;;) {
            errno = 0;
            const dirent* fd = ::readdir(fds);
            if (fd == nullptr) {
                list_error = errno;
                break;
            }
            if (fd->d_name[0] == '.') {
                continue;
            }
            ++count;
            ssize_t n = ::readlinkat(fd_dir, fd->d_name, link, sizeof link);
            std::uint64_t inode = 0;
            if (n > 0 && socket_inode(std::string_view(link, static_cast<std::size_t>(n)), inode)) {
                out.sockets.push_back({inode, pid});
            }
        }
        if (list_error == 0) {
            out.fd_counts.push_back({pid, count});
        } else {
            (list_error == EACCES || list_error == EPERM ? denied : vanished)++;
        }
        ::closedir(fds);
    }
    ::closedir(top);
    if (denied > 0) {
        out.warnings.push_back(
            {plural(denied, "process", "processes") + " denied access to their file descriptors" +
             (::geteuid() != 0 ? " (not root: sockets of other users' processes show no owner)"
                               : "")});
    }
    if (vanished > 0) {
        out.warnings.push_back({plural(vanished, "process", "processes") + " exited during the scan"});
    }
    return out;
}

}  // namespace portwatch::collect::procfs
