#pragma once
// Every network namespace on the host: those held by a process (every container's) and those
// pinned by `ip netns add` under /run/netns.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace portwatch::collect {

struct NetnsEntry {
    std::uint64_t inode = 0;
    std::string spec;   // what LiveOptions::netns takes: a path, or empty for the own one
    std::string label;  // "blue" (ip netns), "pid 812 (containerd-shim)", "host"
};

// One entry per namespace (by inode), the caller's own first. Processes that vanish or
// cannot be inspected are skipped.
Result<std::vector<NetnsEntry>> list_network_namespaces(
    const std::string& proc_root, const std::string& run_netns = "/run/netns");

}  // namespace portwatch::collect
