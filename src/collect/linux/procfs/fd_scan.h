#pragma once

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

  private:
    std::string proc_root_;
};

}  // namespace portwatch::collect::procfs
