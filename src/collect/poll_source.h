#pragma once
// The poll event source: live snapshots of the watched scope, each diffed against the one
// before into PortEvents. Works on any kernel, needs no eBPF, and (for one's own processes)
// no root; what lives and dies between two snapshots it never sees, and the makers of TIME_WAIT
// sockets it knows only when it saw the socket earlier with an owning descriptor.
// Platform-neutral: it reads through take_live_snapshot.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "collect/event_source.h"
#include "core/events.h"
#include "core/listener_index.h"
#include "core/snapshot.h"

namespace portwatch::collect {

// Which socket a snapshot row is, across snapshots: the kernel's cookie where the source read
// one (it survives the change to TIME_WAIT), else protocol + namespace + local and remote
// endpoints (+ the inode for sockets that hold no 4-tuple: listeners and unconnected UDP
// sharing a port with SO_REUSEPORT).
struct SocketKey {
    std::uint64_t cookie = 0;
    std::uint64_t netns = 0;
    std::uint64_t inode = 0;
    std::array<std::uint8_t, 16> local{}, remote{};
    std::uint32_t local_scope = 0, remote_scope = 0;
    std::uint16_t local_port = 0, remote_port = 0;
    core::Protocol protocol = core::Protocol::Tcp;
    core::Family family = core::Family::Ipv4;
    friend bool operator==(const SocketKey&, const SocketKey&) = default;
};
struct SocketKeyHash {
    std::size_t operator()(const SocketKey& k) const noexcept;
};
SocketKey socket_key(const core::Socket& socket);
// The 4-tuple alone (no cookie, no inode): how a TIME_WAIT seen for the first time is matched
// to a socket of the same connection that was seen earlier under another key.
SocketKey tuple_key(const core::Socket& socket);

// Snapshots in, events out. Pure (no I/O), so it is tested on synthetic snapshots.
//   Opened:       a socket not in the previous snapshot;
//   StateChanged: the same socket in another TCP state;
//   Closed:       a socket of the previous snapshot that is gone.
// The direction of a socket with a peer: Inbound when a listener of the same snapshot
// (TCP LISTEN, or unconnected UDP) holds its local port on its address or a wildcard one (an
// accepted connection keeps the listener's port), else Outbound (the port was chosen for
// this host's connect()).
// The maker of a socket is its owning process where a descriptor was seen (maker_exact); a
// socket seen without one (TIME_WAIT, orphans) keeps the maker seen earlier for the same key
// (exact: an owner of that very socket), else the maker of a socket with the same 4-tuple that
// went away in the last `remember` (not exact: another socket could have used the tuple in
// between), else none (pid 0).
class SnapshotDiffer {
  public:
    explicit SnapshotDiffer(std::chrono::seconds remember = std::chrono::seconds(120))
        : remember_(remember) {}
    // The first snapshot: what exists at start, no events.
    void baseline(const core::Snapshot& snapshot);
    // Every change since the previous snapshot, appended to `out`.
    void diff(const core::Snapshot& next, core::EventBatch& out);
    bool has_baseline() const { return has_baseline_; }
    std::size_t tracked() const { return known_.size() + by_cookie_.size(); }

  private:
    struct Known {
        core::TcpState state = core::TcpState::Unknown;
        std::uint32_t maker = 0;  // index + 1 into makers_; 0: unknown
        bool exact = false;
        core::Direction direction = core::Direction::Unknown;
        std::uint64_t generation = 0;
        SocketKey tuple;  // its endpoints, for the Closed event and the gone_ map
    };
    struct Gone {
        std::uint32_t maker = 0;
        core::TimePoint at;
    };
    std::uint32_t maker_of(const core::Snapshot& snapshot, const core::Socket& socket);
    core::Direction direction_of(const core::Snapshot& next, const core::Socket& socket);
    void apply(const core::Snapshot& next, core::EventBatch* out);
    // One socket of `next`, new (`added`) or known as `k`.
    void seen(const core::Snapshot& next, const core::Socket& s, Known& k, bool added,
              core::EventBatch* out);
    // A known socket `next` no longer has.
    void vanished(const core::Snapshot& next, std::uint64_t cookie, const Known& k,
                  core::EventBatch* out);
    void event(core::PortEventKind kind, const core::Snapshot& next, const core::Socket& s,
               core::TcpState from, const Known& k, core::EventBatch& out) const;
    void prune_makers();

    std::chrono::seconds remember_;
    bool has_baseline_ = false;
    std::uint64_t generation_ = 0;
    // Sockets with a cookie, sorted: (cookie, slot in slots_). A slot keeps its Known for the
    // socket's life; those of sockets gone are reused.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> by_cookie_;
    std::vector<Known> slots_;
    std::vector<std::uint32_t> free_slots_;
    // apply()'s working lists, kept for their capacity: (cookie, index) of the next snapshot,
    // and the next by_cookie_.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order_;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order_scratch_;  // radix_sort's
    std::vector<std::pair<std::uint64_t, std::uint32_t>> merged_;
    std::unordered_map<SocketKey, Known, SocketKeyHash> known_;  // those without one
    std::unordered_map<SocketKey, Gone, SocketKeyHash> gone_;
    // The listeners of the snapshot being applied, gathered when its first new socket with a
    // peer asks.
    std::optional<core::ListenerIndex> listeners_;
    // Makers are few and sockets many: each socket refers to one by index.
    std::vector<core::Maker> makers_;
    std::unordered_map<std::uint64_t, std::uint32_t> maker_index_;  // (pid, start) -> index + 1
};

// The poll source: a baseline snapshot when opened, then one every `interval` (or the
// snapshots offered to it, from the first one on: the monitor's own samples).
class PollSource final : public EventSource {
  public:
    static Result<std::unique_ptr<PollSource>> open(const LiveOptions& options,
                                                    std::chrono::milliseconds interval);
    std::string_view name() const override { return "poll"; }
    Result<void> poll(std::chrono::milliseconds timeout, core::EventBatch& out) override;
    std::uint64_t lost() const override { return missed_; }
    void offer(const core::Snapshot& snapshot) override;

  private:
    PollSource(const LiveOptions& options, std::chrono::milliseconds interval)
        : options_(options), interval_(interval) {}
    LiveOptions options_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_;
    SnapshotDiffer differ_;
    core::EventBatch pending_;
    bool fed_ = false;
    std::uint64_t missed_ = 0;  // intervals that passed without a snapshot (one took longer)
};

}  // namespace portwatch::collect
