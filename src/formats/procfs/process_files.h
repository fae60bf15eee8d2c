#pragma once
// Pure parsers of the per-process files under /proc/<pid>/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portwatch::formats {

struct StatFields {
    std::string comm;
    std::int32_t ppid = 0;
    std::uint64_t start_ticks = 0;  // clock ticks after boot
};

// /proc/<pid>/stat; comm may hold spaces and ')' so the last ')' ends it.
std::optional<StatFields> parse_stat(std::string_view text);
// The real uid from the "Uid:" line of /proc/<pid>/status.
std::optional<std::uint32_t> parse_status_uid(std::string_view text);
// Soft "Max open files" from /proc/<pid>/limits; nullopt for "unlimited" or absent.
std::optional<std::uint64_t> parse_limits_nofile(std::string_view text);
// The cgroup v2 path ("0::/system.slice/x.service"), else the first v1 line's path.
std::string parse_cgroup(std::string_view text);
// NUL-separated arguments joined by spaces (a trailing NUL dropped).
std::string parse_cmdline(std::string_view bytes);
// "btime N" from /proc/stat.
std::optional<std::int64_t> parse_boot_time(std::string_view text);

}  // namespace portwatch::formats
