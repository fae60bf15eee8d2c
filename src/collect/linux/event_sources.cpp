// open_event_source on Linux: the eBPF tracepoints where they load, else the poll source,
// with a line for the user saying which runs and why.

#include <string>

#include "collect/event_source.h"
#include "collect/poll_source.h"

#ifdef PORTWATCH_HAVE_BPF
#include "collect/linux/bpf/bpf_event_source.h"
#endif

namespace portwatch::collect {

namespace {

std::string every(std::chrono::milliseconds interval) {
    if (interval.count() % 1000 == 0) {
        return std::to_string(interval.count() / 1000) + " s";
    }
    return std::to_string(interval.count()) + " ms";
}

}  // namespace

Result<OpenedSource> open_event_source(EventSourceKind kind, const LiveOptions& options,
                                       std::chrono::milliseconds poll_interval) {
    std::string why_not_bpf;
    if (kind != EventSourceKind::Poll) {
#ifdef PORTWATCH_HAVE_BPF
        auto bpf = bpf::open_bpf_event_source(options);
        if (bpf) {
            return OpenedSource{std::move(*bpf),
                                "ebpf: tracepoints attached (exact makers, failed allocations)"};
        }
        if (kind == EventSourceKind::Ebpf) {
            return std::unexpected(with_context(bpf.error(), "--source ebpf"));
        }
        why_not_bpf = bpf.error().message;
#else
        if (kind == EventSourceKind::Ebpf) {
            return make_error(ErrorKind::Unsupported,
                              "--source ebpf: this build has no eBPF event source "
                              "(built without eBPF: clang, bpftool, libbpf or BTF missing)");
        }
        why_not_bpf = "this build has no eBPF event source";
#endif
    }
    auto poll = PollSource::open(options, poll_interval);
    if (!poll) {
        return std::unexpected(with_context(poll.error(), "poll source"));
    }
    std::string how = "snapshots every " + every(poll_interval) + " diffed";
    std::string why = kind == EventSourceKind::Poll
                          ? "poll: --source poll (" + how + ")"
                          : "poll: eBPF did not load (" + why_not_bpf + "); " + how;
    return OpenedSource{std::move(*poll), std::move(why)};
}

}  // namespace portwatch::collect
