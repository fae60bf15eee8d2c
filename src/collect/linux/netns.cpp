#include "collect/linux/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace portwatch::collect {

std::string netns_path(std::string_view spec) {
    if (!spec.empty() &&
        std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return "/proc/" + std::string(spec) + "/ns/net";
    }
    if (spec.find('/') != std::string_view::npos) {
        return std::string(spec);
    }
    return "/run/netns/" + std::string(spec);
}

Result<std::uint64_t> netns_inode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return make_errno_error(errno, "network namespace " + path);
    }
    return static_cast<std::uint64_t>(st.st_ino);
}

Result<NetnsGuard> NetnsGuard::enter(std::string_view spec) {
    sys::UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!original) {
        return make_errno_error(errno, "cannot open own network namespace");
    }
    std::string path = netns_path(spec);
    sys::UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target) {
        return make_errno_error(errno,
                                "network namespace '" + std::string(spec) + "' (" + path + ")");
    }
    if (::setns(target.get(), CLONE_NEWNET) != 0) {
        int e = errno;
        auto error = errno_error(e, "cannot enter network namespace '" + std::string(spec) + "'");
        if (e == EPERM)
            error.message += " (needs root)";
        return std::unexpected(error);
    }
    return NetnsGuard(std::move(original));
}

Result<std::optional<NetnsGuard>> NetnsGuard::enter_unless_empty(std::string_view spec) {
    if (spec.empty()) {
        return std::optional<NetnsGuard>();
    }
    auto entered = enter(spec);
    if (!entered) {
        return std::unexpected(entered.error());
    }
    return std::optional<NetnsGuard>(std::move(*entered));
}

NetnsGuard::~NetnsGuard() {
    if (original_) {
        ::setns(original_.get(), CLONE_NEWNET);
    }
}

}  // namespace portwatch::collect
