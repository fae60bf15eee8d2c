#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/short_text.h"

namespace portwatch::core {

// A capture that names owners without PIDs (netstat -ab without -o) identifies each by name, by
// the position of its [exe] line; such a process gets a negative, capture-local pid, which is
// never printed as a PID. Real PIDs are positive; 0 means no owner.
inline bool pid_is_local(std::int32_t pid) {
    return pid < 0;
}

// "javaw.exe (pid 812)", or "javaw.exe (PID not in the capture)" for a capture-local pid.
inline std::string name_with_pid(std::string_view name, std::int32_t pid) {
    if (pid_is_local(pid)) {
        return std::string(name) + " (PID not in the capture)";
    }
    return std::string(name) + " (pid " + std::to_string(pid) + ")";
}

struct Process {
    std::int32_t pid = 0;
    std::int32_t ppid = 0;
    std::string name;  // comm (Linux) or image name (Windows)
    // The facts a live snapshot reads and a capture seldom has: ShortText (8 bytes when empty;
    // 200,000 processes of a capture carry them).
    ShortText cmdline{};  // arguments joined by spaces; empty for kernel threads
    ShortText exe{};      // resolved executable path when readable
    std::optional<std::uint32_t> uid;
    ShortText user{};             // user name when resolvable, else the uid as text
    std::int64_t start_time = 0;  // seconds since the epoch; 0 when unknown
    ShortText cgroup{};           // unified-hierarchy path, e.g. /system.slice/nginx.service
    std::optional<std::uint32_t> fd_count;
    std::optional<std::uint64_t> fd_limit;  // soft RLIMIT_NOFILE
    std::vector<std::string> services;      // Windows: -b component/service lines
};

}  // namespace portwatch::core
