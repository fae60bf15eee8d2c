#pragma once
// The monitor's eBPF event source (`--source ebpf`): events.bpf.c's tracepoints loaded and
// attached, their ring buffer read in batches, and the cookie -> maker map pinned at
// PW_MAKERS_PIN (/sys/fs/bpf/portwatch/makers) so that `snapshot` and `diagnose` name
// TIME_WAIT owners exactly while the source is open.

#include <cstdint>
#include <memory>
#include <string>

#include "collect/event_source.h"
#include "collect/live_source.h"
#include "core/result.h"

namespace portwatch::collect::bpf {

struct BpfEventOptions {
    // Where to pin the maker map; empty: do not pin. A pin left by a monitor that was killed
    // is reused when its map has the same layout (its entries stay true: cookies are never
    // reused within a boot), else replaced.
    std::string pin_path;
    std::uint32_t max_makers = 262144;  // entries of the LRU cookie -> maker map
    // Every TCP state change as an event, not only those that take or give back a port
    // (opened, TIME_WAIT, closed, listening): about twice the records on short connections.
    bool every_state = false;
};

BpfEventOptions default_bpf_event_options();  // pinned at PW_MAKERS_PIN

// Probes at run time: privileges, kernel BTF, then opening, loading and attaching the
// programs. A failure is an Error whose kind is PermissionDenied (not root, no CAP_BPF and
// CAP_PERFMON) or Unsupported (no BTF, a program the kernel refuses), with the reason.
// `options.platform.netns`, when set, limits events to that network namespace (its inode,
// resolved from the caller's mount namespace, not by entering it). `options.clock` stamps the
// events. A pin that cannot be made is not an error: pin_problem() says why.
// (These two are built into portwatch_collect, beside netns.h; the one below is the eBPF
// library's own.)
Result<std::unique_ptr<EventSource>> open_bpf_event_source(const LiveOptions& options);
Result<std::unique_ptr<EventSource>> open_bpf_event_source(const LiveOptions& options,
                                                           const BpfEventOptions& bpf);

// The same with the namespace already resolved to its inode (0: every namespace).
Result<std::unique_ptr<EventSource>> open_bpf_event_source(std::uint64_t netns_inode,
                                                           const core::Clock& clock,
                                                           const BpfEventOptions& bpf);

// What an ebpf EventSource says about its pin: where it is ("" when none) and, when it could
// not be made, why. For sources that are not eBPF ones: "" and "".
std::string pinned_at(const EventSource& source);
std::string pin_problem(const EventSource& source);

}  // namespace portwatch::collect::bpf
