#pragma once
// Network namespaces: each has its own sockets, port range and pools.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sys/unique_fd.h"

namespace portwatch::collect {

// "/proc/<PID>/ns/net" for a number, the path itself when it holds a '/', else
// "/run/netns/<NAME>" (as `ip netns add` names them).
std::string netns_path(std::string_view spec);

// Inode of a namespace file (the identity `ip netns identify` and `lsns` use).
Result<std::uint64_t> netns_inode(const std::string& path);

// Moves the calling thread into a network namespace and back out when destroyed.
class NetnsGuard {
  public:
    static Result<NetnsGuard> enter(std::string_view spec);
    // The same, but an empty spec means "stay where you are" (no guard).
    static Result<std::optional<NetnsGuard>> enter_unless_empty(std::string_view spec);
    NetnsGuard(NetnsGuard&&) = default;
    NetnsGuard& operator=(NetnsGuard&&) = delete;
    ~NetnsGuard();

  private:
    explicit NetnsGuard(sys::UniqueFd original) : original_(std::move(original)) {}
    sys::UniqueFd original_;
};

}  // namespace portwatch::collect
