#include "collect/linux/procfs/process_reader.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "formats/procfs/process_files.h"
#include "sys/read_file.h"

namespace portwatch::collect::procfs {

namespace {

std::string user_name(std::uint32_t uid, std::map<std::uint32_t, std::string>& cache) {
    if (auto it = cache.find(uid); it != cache.end()) {
        return it->second;
    }
    passwd entry{};
    passwd* result = nullptr;
    char buf[1024];
    std::string name = std::to_string(uid);
    if (::getpwuid_r(uid, &entry, buf, sizeof buf, &result) == 0 && result != nullptr) {
        name = result->pw_name;
    }
    cache.emplace(uid, name);
    return name;
}

}  // namespace

std::vector<core::Process> read_processes(const std::string& proc_root,
                                          const std::vector<std::int32_t>& pids,
                                          const std::vector<FdCount>& fd_counts,
                                          std::vector<core::Warning>& warnings) {
    std::vector<core::Process> out;
    out.reserve(pids.size());
    std::map<std::uint32_t, std::string> users;
    std::optional<std::int64_t> boot = std::nullopt;
    if (auto stat = sys::read_file(proc_root + "/stat")) {
        boot = formats::parse_boot_time(*stat);
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    std::size_t gone = 0;
    for (std::int32_t pid : pids) {
        core::Process p;
        p.pid = pid;
        const std::string dir = proc_root + "/" + std::to_string(pid);
        auto stat = sys::read_file(dir + "/stat");
        auto fields = stat ? formats::parse_stat(*stat) : std::nullopt;
        if (!fields) {
            ++gone;
            out.push_back(std::move(p));
            continue;
        }
        p.name = fields->comm;
        p.ppid = fields->ppid;
        if (boot && ticks > 0) {
            p.start_time = *boot + static_cast<std::int64_t>(fields->start_ticks / ticks);
        }
        if (auto status = sys::read_file(dir + "/status")) {
            p.uid = formats::parse_status_uid(*status);
            if (p.uid) {
                p.user = user_name(*p.uid, users);
            }
        }
        if (auto cmdline = sys::read_file(dir + "/cmdline")) {
            p.cmdline = formats::parse_cmdline(*cmdline);
        }
        char exe[4096];
        ssize_t n = ::readlink((dir + "/exe").c_str(), exe, sizeof exe);
        if (n > 0) {
            p.exe = std::string_view(exe, static_cast<std::size_t>(n));
        }
        if (auto cgroup = sys::read_file(dir + "/cgroup")) {
            p.cgroup = formats::parse_cgroup(*cgroup);
        }
        if (auto limits = sys::read_file(dir + "/limits")) {
            p.fd_limit = formats::parse_limits_nofile(*limits);
        }
        auto count = std::lower_bound(fd_counts.begin(), fd_counts.end(), pid,
                                      [](const FdCount& c, std::int32_t v) { return c.pid < v; });
        if (count != fd_counts.end() && count->pid == pid) {
            p.fd_count = count->count;
        }
        out.push_back(std::move(p));
    }
    if (gone > 0) {
        warnings.push_back(
            {std::to_string(gone) + " socket owners exited before their details were read"});
    }
    return out;
}

}  // namespace portwatch::collect::procfs
