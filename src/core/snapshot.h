#pragma once
// The meeting point of the project: every source produces a Snapshot, every analysis and
// renderer consumes one.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/host_config.h"
#include "core/process.h"
#include "core/socket.h"

namespace portwatch::core {

struct SourceInfo {
    std::string sockets;  // "netlink", "procfs", or the capture format
    std::string owners;   // "proc", "bpf", "capture", "none"
    std::string detail;   // file name of a capture, or free text
};

struct Warning {
    std::string message;
};

struct Snapshot {
    std::chrono::system_clock::time_point taken_at;
    std::string hostname;
    std::uint64_t netns = 0;  // inode of the namespace the sockets were read in
    std::string netns_name;   // as the user named it (--netns), else empty
    SourceInfo source;
    HostConfig config;
    std::vector<Socket> sockets;
    std::vector<Process> processes;  // owners of `sockets`, ascending pid
    std::vector<Warning> warnings;

    const Process* find_process(std::int32_t pid) const;
};

}  // namespace portwatch::core
