#include "collect/linux/recorded_makers.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

namespace portwatch::collect {

namespace {

// /proc's start time and the recorded one come from the same boot clock, rounded apart.
constexpr std::int64_t kStartSlack = 2;

}  // namespace

std::vector<core::Maker> attach_recorded_makers(std::vector<core::Socket>& sockets,
                                                const MakerLookup& lookup) {
    std::vector<core::Maker> makers;
    std::unordered_set<std::int32_t> seen;
    for (auto& s : sockets) {
        if (s.protocol != core::Protocol::Tcp || !s.owners.empty() || s.cookie == 0) {
            continue;
        }
        auto maker = lookup(s.cookie);
        if (!maker || maker->pid <= 0) {
            continue;
        }
        s.owners = {maker->pid};
        s.attribution = core::Attribution::Recorded;
        if (seen.insert(maker->pid).second) {
            makers.push_back(std::move(*maker));
        }
    }
    return makers;
}

std::size_t settle_recorded_makers(std::vector<core::Socket>& sockets,
                                   const std::vector<core::Maker>& makers,
                                   std::vector<core::Process>& processes) {
    std::unordered_set<std::int32_t> reused;
    for (const auto& m : makers) {
        auto p = std::find_if(processes.begin(), processes.end(),
                              [&](const core::Process& q) { return q.pid == m.pid; });
        if (p == processes.end()) {
            core::Process exited;
            exited.pid = m.pid;
            exited.name = m.comm;
            exited.start_time = m.start_time;
            processes.push_back(std::move(exited));
            continue;
        }
        const bool gone = p->name.empty() && p->start_time == 0;
        if (gone) {
            p->name = m.comm;
            p->start_time = m.start_time;
        } else if (p->start_time != 0 && m.start_time != 0 &&
                   std::abs(p->start_time - m.start_time) > kStartSlack) {
            reused.insert(m.pid);
        }
    }
    auto by_pid = [](const core::Process& a, const core::Process& b) { return a.pid < b.pid; };
    std::sort(processes.begin(), processes.end(), by_pid);
    if (reused.empty()) {
        return 0;
    }
    std::size_t given_back = 0;
    for (auto& s : sockets) {
        if (s.attribution == core::Attribution::Recorded && reused.contains(s.owners.front())) {
            s.owners.clear();
            s.attribution = core::Attribution::Unknown;
            ++given_back;
        }
    }
    // A process listed only because of the sockets given back is not this snapshot's.
    std::erase_if(processes, [&](const core::Process& p) {
        return reused.contains(p.pid) &&
               std::none_of(sockets.begin(), sockets.end(), [&](const core::Socket& s) {
                   return std::find(s.owners.begin(), s.owners.end(), p.pid) != s.owners.end();
               });
    });
    return given_back;
}

}  // namespace portwatch::collect
