#pragma once
// Each process's sockets in one snapshot, TIME_WAIT included: a socket no descriptor holds
// (TIME_WAIT, orphans) counts for its maker, learned from the event source (the eBPF source
// records it in the connecting task; the poll source saw the socket earlier with an owner).

#include <cstdint>
#include <string>
#include <unordered_map>

#include "collect/poll_source.h"
#include "core/events.h"
#include "core/snapshot.h"

namespace portwatch::monitor {

struct MakerEntry {
    core::Maker maker;
    bool exact = false;
};

// Socket -> maker, learned from events: by cookie where the source has one (it survives the
// change to TIME_WAIT), else by 4-tuple and namespace.
class MakerMap {
  public:
    void learn(const core::PortEvent& event);
    // `netns`: the snapshot's, for sockets that do not carry their own.
    const MakerEntry* find(const core::Socket& socket, std::uint64_t netns) const;
    // Forgets sockets `snapshot` no longer has, once the map is well past its size (Closed
    // events a source lost would otherwise keep entries forever).
    void keep_only(const core::Snapshot& snapshot);
    std::size_t size() const { return map_.size(); }

  private:
    std::unordered_map<collect::SocketKey, MakerEntry, collect::SocketKeyHash> map_;
};

struct ProcessTally {
    std::string name, unit;
    std::int64_t start_time = 0;
    // Sockets for which it took a local port: connections it opened, listeners, bound and UDP
    // sockets. The state counts are of these.
    std::uint32_t ports = 0;
    std::uint32_t established = 0, time_wait = 0, close_wait = 0, other = 0;
    std::uint32_t time_wait_exact = 0;
    // Connections accepted on its listeners: they share the listener's port and take none from
    // the range, so a busy server is not a culprit for them.
    std::uint32_t accepted = 0;
    std::string top_destination;  // the remote endpoint most of the connections it opened have
};

// By pid; pid 0 holds the sockets no owner or maker is known for. A socket shared by several
// processes (after fork) counts for each.
using Tallies = std::unordered_map<std::int32_t, ProcessTally>;
Tallies tally_processes(const core::Snapshot& snapshot, const MakerMap& makers);

}  // namespace portwatch::monitor
