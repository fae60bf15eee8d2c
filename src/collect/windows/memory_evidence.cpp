#include "collect/windows/memory_evidence.h"

#include <algorithm>

namespace portwatch::collect::windows {

void apply_performance_figures(const PerformanceFigures& f, core::WindowsFacts& facts) {
    if (f.page_size == 0 || f.physical_total_pages == 0) {
        return;
    }
    facts.nonpaged_pool_bytes = f.kernel_nonpaged_pages * f.page_size;
    facts.physical_memory_bytes = f.physical_total_pages * f.page_size;
    facts.handle_count = f.handle_count;
}

std::vector<core::HandleHolder> top_handle_holders(std::vector<core::HandleHolder> all,
                                                   std::size_t keep) {
    std::erase_if(all, [](const core::HandleHolder& h) { return h.handles == 0; });
    auto by_count = [](const core::HandleHolder& a, const core::HandleHolder& b) {
        return a.handles != b.handles ? a.handles > b.handles : a.pid < b.pid;
    };
    if (all.size() > keep) {
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                          by_count);
        all.resize(keep);
    } else {
        std::sort(all.begin(), all.end(), by_count);
    }
    return all;
}

}  // namespace portwatch::collect::windows
