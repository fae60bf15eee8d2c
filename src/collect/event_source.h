#pragma once
// The monitor's event sources behind one interface, chosen at run time: eBPF tracepoints where
// they load (exact makers, failed allocations), else live snapshots diffed (any kernel, no root
// needed for one's own processes). Each implementation owns its OS handles.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "collect/live_source.h"
#include "core/events.h"
#include "core/result.h"

namespace portwatch::collect {

enum class EventSourceKind { Auto, Ebpf, Poll };

class EventSource {
  public:
    virtual ~EventSource() = default;
    virtual std::string_view name() const = 0;  // "ebpf", "poll"
    // Waits at most `timeout` for events, appends what arrived to `out`. An error means the
    // source broke and will deliver nothing more.
    virtual Result<void> poll(std::chrono::milliseconds timeout, core::EventBatch& out) = 0;
    // Events dropped since the source opened (ring buffer full, snapshots missed).
    virtual std::uint64_t lost() const = 0;
};

struct OpenedSource {
    std::unique_ptr<EventSource> source;
    std::string why;  // for the user: "ebpf: tracepoints attached" / "poll: eBPF did not load (...)"
};

// Auto: eBPF where it loads, else poll (with the reason). Ebpf/Poll: that one or an error.
// `options` says which scope (namespace) and how often the poll source snapshots.
Result<OpenedSource> open_event_source(EventSourceKind kind, const LiveOptions& options,
                                       std::chrono::milliseconds poll_interval);

}  // namespace portwatch::collect
