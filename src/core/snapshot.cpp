#include "core/snapshot.h"

#include <algorithm>

namespace portwatch::core {

const Process* Snapshot::find_process(std::int32_t pid) const {
    auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                               [](const Process& p, std::int32_t v) { return p.pid < v; });
    return it != processes.end() && it->pid == pid ? &*it : nullptr;
}

}  // namespace portwatch::core
