#include "collect/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace portwatch::collect {

std::string netns_path(std::string_view spec) {
    if (!spec.empty() && std::all_of(spec.begin(), spec.end(),
                                     [](unsigned char c) { return std::isdigit(c); })) {
        return "/proc/" + std::string(spec) + "/ns/net";
    }
    if (spec.find('/') != std::string_view::npos) {
        return std::string(spec);
    }
    return "/run/netns/" + std::string(spec);
}

Result<std::uint64_t> netns_inode(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        return make_error("network namespace " + path + ": " + std::strerror(errno));
    }
    return static_cast<std::uint64_t>(st.st_ino);
}

Result<NetnsGuard> NetnsGuard::enter(std::string_view spec) {
    UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!original) {
        return make_error(std::string("cannot open own network namespace: ") + std::strerror(errno));
    }
    std::string path = netns_path(spec);
    UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target) {
        return make_error("network namespace '" + std::string(spec) + "' (" + path +
                          "): " + std::strerror(errno));
    }
    if (::setns(target.get(), CLONE_NEWNET) != 0) {
        return make_error("cannot enter network namespace '" + std::string(spec) + "': " +
                          std::strerror(errno) + (errno == EPERM ? " (needs root)" : ""));
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
