// The eBPF event source opened for a LiveOptions scope: the namespace resolved to its inode
// here, beside netns.h, so that the eBPF library needs nothing of portwatch_collect.

#include "collect/linux/bpf/bpf_event_source.h"
#include "collect/linux/netns.h"

namespace portwatch::collect::bpf {

Result<std::unique_ptr<EventSource>> open_bpf_event_source(const LiveOptions& options) {
    return open_bpf_event_source(options, default_bpf_event_options());
}

Result<std::unique_ptr<EventSource>> open_bpf_event_source(const LiveOptions& options,
                                                           const BpfEventOptions& bpf) {
    std::uint64_t netns = 0;
    if (!options.platform.netns.empty()) {
        // stat() of /run/netns/NAME or /proc/PID/ns/net from where we are: no setns().
        auto inode = netns_inode(netns_path(options.platform.netns));
        if (!inode) {
            return std::unexpected(inode.error());
        }
        netns = *inode;
    }
    return open_bpf_event_source(netns, *options.clock, bpf);
}

}  // namespace portwatch::collect::bpf
