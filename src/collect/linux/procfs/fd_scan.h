#pragma once

#include <span>
#include <string>

#include "collect/linux/owner_source.h"

namespace portwatch::collect::procfs {

// Reads /proc/<pid>/fd/* of every process with one readlinkat() per descriptor, keeping the
// "socket:[inode]" ones. Processes that vanish or deny access are counted into warnings.
class ProcFdScanner final : public OwnerSource {
  public:
    explicit ProcFdScanner(std::string proc_root) : proc_root_(std::move(proc_root)) {}
    std::string_view name() const override { return "proc"; }
    Result<OwnerScan> scan() override;
    // One stat of /proc/<pid>/fd per process (its size is the descriptor count on Linux 6.2+;
    // 0 before, which callers read as "changed").
    Result<std::vector<FdCount>> count_fds() override;
    Result<OwnerScan> scan_pids(std::span<const std::int32_t> pids) override;

  private:
    Result<OwnerScan> scan_listed(int proc_fd, std::span<const std::int32_t> pids);
    std::string proc_root_;
};

}  // namespace portwatch::collect::procfs
