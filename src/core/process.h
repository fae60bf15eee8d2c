#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portwatch::core {

struct Process {
    std::int32_t pid = 0;
    std::int32_t ppid = 0;
    std::string name;     // comm (Linux) or image name (Windows)
    std::string cmdline;  // arguments joined by spaces; empty for kernel threads
    std::string exe;      // resolved executable path when readable
    std::optional<std::uint32_t> uid;
    std::string user;             // user name when resolvable, else the uid as text
    std::int64_t start_time = 0;  // seconds since the epoch; 0 when unknown
    std::string cgroup;           // unified-hierarchy path, e.g. /system.slice/nginx.service
    std::optional<std::uint32_t> fd_count;
    std::optional<std::uint64_t> fd_limit;  // soft RLIMIT_NOFILE
    std::vector<std::string> services;      // Windows: -b component/service lines
};

}  // namespace portwatch::core
