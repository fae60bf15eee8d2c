#pragma once

#include <string>
#include <vector>

#include "collect/linux/owner_source.h"
#include "core/process.h"

namespace portwatch::collect::procfs {

// Details of the given pids from <proc_root>/<pid>/{stat,status,cmdline,exe,cgroup,limits}.
// A pid that is gone by now still yields a Process (pid only) and a warning.
std::vector<core::Process> read_processes(const std::string& proc_root,
                                          const std::vector<std::int32_t>& pids,
                                          const std::vector<FdCount>& fd_counts,
                                          std::vector<core::Warning>& warnings);

}  // namespace portwatch::collect::procfs
