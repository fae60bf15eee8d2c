#pragma once
// The pure half of the memory evidence: GetPerformanceInfo's figures (pages) and each
// process's handle count into core::WindowsFacts. No Windows header; tests use recorded
// figures.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/host_config.h"

namespace portwatch::collect::windows {

// The fields of PERFORMANCE_INFORMATION this source uses.
struct PerformanceFigures {
    std::uint64_t kernel_nonpaged_pages = 0;
    std::uint64_t physical_total_pages = 0;
    std::uint64_t page_size = 0;
    std::uint64_t handle_count = 0;
};

// Sets the non-paged pool, physical memory and handle count of `facts` (bytes); a page size
// of 0 (a failed call) sets nothing.
void apply_performance_figures(const PerformanceFigures& figures, core::WindowsFacts& facts);

// The `keep` processes with the most handles, most first (ties: lower pid first).
std::vector<core::HandleHolder> top_handle_holders(std::vector<core::HandleHolder> all,
                                                   std::size_t keep);

}  // namespace portwatch::collect::windows
