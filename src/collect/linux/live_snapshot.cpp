#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "collect/linux/binding_cache.h"
#include "collect/linux/netlink/sock_diag.h"
#include "collect/linux/netns.h"
#include "collect/linux/owner_cache.h"
#include "collect/linux/owner_source.h"
#include "collect/linux/procfs/process_reader.h"
#include "collect/linux/recorded_makers.h"
#include "collect/live_source.h"
#include "formats/procfs/kernel_counters.h"
#include "formats/procfs/proc_net.h"
#include "sys/read_file.h"
#ifdef PORTWATCH_HAVE_BPF
#include "collect/linux/bpf/events.h"
#include "collect/linux/bpf/pinned_makers.h"
#endif

namespace portwatch::collect {

namespace {

struct Table {
    core::Protocol protocol;
    core::Family family;
    const char* proc_name;
};

constexpr Table kTables[] = {
    {core::Protocol::Tcp, core::Family::Ipv4, "tcp"},
    {core::Protocol::Tcp, core::Family::Ipv6, "tcp6"},
    {core::Protocol::Udp, core::Family::Ipv4, "udp"},
    {core::Protocol::Udp, core::Family::Ipv6, "udp6"},
};

// The namespace's socket count from /proc/net/sockstat{,6} ("inuse" and "tw"), to size the
// socket vector once: at 100k sockets, growing it by doubling costs a copy of everything and
// a third more peak memory. Only a hint: wrong or missing counters cost a reallocation.
std::size_t socket_count_hint(const std::string& proc_root) {
    core::HostFacts f;
    for (const char* name : {"/thread-self/net/sockstat", "/thread-self/net/sockstat6"}) {
        if (auto text = sys::read_file(proc_root + name)) {
            formats::apply_sockstat(*text, f);
        }
    }
    std::uint64_t total = f.tcp_inuse.value_or(0) + f.tcp6_inuse.value_or(0) +
                          f.tcp_tw.value_or(0) + f.udp_inuse.value_or(0) + f.udp6_inuse.value_or(0);
    return static_cast<std::size_t>(total + total / 32 + 64);  // room for sockets made meanwhile
}

// Asks for transparent huge pages under the socket vector's untouched capacity: a 100k-socket
// table is 20 MB, 5,000 page faults in 4 KiB pages (measured: 7% of the snapshot's CPU time)
// against a dozen in 2 MiB pages. Only a hint: without THP (enabled=never), or where malloc
// reused touched memory, it changes nothing.
void prefer_huge_pages(std::vector<core::Socket>& sockets) {
    constexpr std::uintptr_t kHuge = 2 * 1024 * 1024;
    auto first = reinterpret_cast<std::uintptr_t>(sockets.data() + sockets.size());
    auto last = reinterpret_cast<std::uintptr_t>(sockets.data() + sockets.capacity());
    first = (first + kHuge - 1) & ~(kHuge - 1);
    last &= ~(kHuge - 1);
    if (first < last) {
        ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
}

bool wanted(const LiveOptions& o, const Table& t) {
    return (t.protocol == core::Protocol::Tcp ? o.tcp : o.udp) &&
           (t.family == core::Family::Ipv4 ? o.ipv4 : o.ipv6);
}

using BoundOnly = netlink::SockDiag::BoundOnly;

Result<std::unordered_set<std::uint64_t>> explicitly_bound(core::Protocol protocol,
                                                           std::optional<core::Family> family,
                                                           BoundOnly bound_only) {
    auto diag = netlink::SockDiag::create();
    if (!diag) {
        return std::unexpected(diag.error());
    }
    return diag->explicitly_bound(protocol, family, bound_only);
}

// One protocol in one family, or (TCP) in both: a dump of both families walks the kernel's
// tables once instead of twice, with the same result. Without `explicit_walk` that is all
// (the owner pass reads port locks; resolve_port_binding() asks about the rest). With it, for
// TCP:
// 1. The explicit-bind query, a second walk (a quarter of the time at 100k sockets), runs
//    beside the dump on its own netlink socket and thread (created here, so in this thread's
//    network namespace). A socket that appears during the dump may escape it and count as
//    autobound, the common case.
// 2. That query skips bound-only sockets, whose bind-hash walk costs as much again as its
//    bytecode, and asks about them afterwards only if the dump found any.
Result<void> dump_table(netlink::SockDiag& diag, core::Protocol protocol,
                        std::optional<core::Family> family, bool explicit_walk,
                        std::vector<core::Socket>& out) {
    const std::size_t first = out.size();
    if (!explicit_walk) {
        auto dumped = diag.dump(protocol, family, out);
        if (!dumped) {
            out.resize(first);
        }
        return dumped;
    }
    const bool tcp = protocol == core::Protocol::Tcp;
    Result<std::unordered_set<std::uint64_t>> bound;
    Result<void> dumped;
    if (tcp) {
        std::jthread beside(
            [&] { bound = explicitly_bound(protocol, family, BoundOnly::Skipped); });
        dumped = diag.dump(protocol, family, out);
    } else {
        bound = diag.explicitly_bound(protocol, family);
        dumped = bound ? diag.dump(protocol, family, out) : Result<void>();
    }
    auto dumped_range = std::span(out).subspan(first);
    if (bound && dumped && tcp &&
        std::any_of(dumped_range.begin(), dumped_range.end(),
                    [](const core::Socket& s) { return s.state == core::TcpState::Bound; })) {
        auto bound_only = diag.explicitly_bound(protocol, family, BoundOnly::Alone);
        if (bound_only) {
            bound->merge(*bound_only);
        } else {
            bound = std::unexpected(bound_only.error());
        }
    }
    if (!bound || !dumped) {
        out.resize(first);
        return bound ? dumped : std::unexpected(bound.error());
    }
    for (auto& s : std::span(out).subspan(first)) {
        s.binding =
            bound->contains(s.cookie) ? core::PortBinding::Explicit : core::PortBinding::Auto;
    }
    return {};
}

Result<void> dump_netlink(const LiveOptions& options, bool explicit_walk,
                          std::vector<core::Socket>& out) {
    auto diag = netlink::SockDiag::create();
    if (!diag) {
        return std::unexpected(diag.error());
    }
    out.reserve(out.size() + socket_count_hint(options.platform.proc_root));
    prefer_huge_pages(out);
    // TCP is where 100k-socket tables live: both families in one walk when the kernel takes
    // the compat request, else per family below.
    bool tcp_done = false;
    if (options.tcp && options.ipv4 && options.ipv6) {
        tcp_done =
            dump_table(*diag, core::Protocol::Tcp, std::nullopt, explicit_walk, out).has_value();
    }
    for (const Table& t : kTables) {
        if (!wanted(options, t) || (tcp_done && t.protocol == core::Protocol::Tcp)) {
            continue;
        }
        if (auto ok = dump_table(*diag, t.protocol, t.family, explicit_walk, out); !ok) {
            return ok;
        }
    }
    return {};
}

// PortBinding for the sockets neither the owner pass nor the last snapshot (BindingCache)
// vouched for, when the dump skipped the explicit-bind walk: orphans (FIN_WAIT, LAST_ACK, ...
// with no descriptor), sockets of holders the pass did not see, every socket when the pass
// read no port locks after all (eBPF failed and /proc stood in), sockets new since the last
// snapshot. None: no query. One explicit-bind query per protocol and family that has
// any (TCP: one for both families), limited to the TCP states they are in, so a few orphans
// among 100k sockets cost a state check per socket, not a second full query. A failed query
// leaves them Unknown and says so.
void resolve_port_binding(const LiveOptions& options, std::vector<core::Socket>& sockets,
                          std::vector<core::Warning>& warnings) {
    struct Ask {
        core::Protocol protocol;
        std::optional<core::Family> family;
        std::uint32_t states = 0;
        bool wanted = false;
        bool answered = false;
    };
    // TCP of both families, TCP IPv4, TCP IPv6, UDP IPv4, UDP IPv6.
    Ask asks[] = {{core::Protocol::Tcp, std::nullopt},
                  {core::Protocol::Tcp, core::Family::Ipv4},
                  {core::Protocol::Tcp, core::Family::Ipv6},
                  {core::Protocol::Udp, core::Family::Ipv4},
                  {core::Protocol::Udp, core::Family::Ipv6}};
    auto slot = [](const core::Socket& s) {
        return (s.protocol == core::Protocol::Udp ? 3 : 1) +
               (s.family() == core::Family::Ipv6 ? 1 : 0);
    };
    for (const auto& s : sockets) {
        if (s.binding == core::PortBinding::Unknown) {
            Ask& ask = asks[slot(s)];
            ask.wanted = true;
            ask.states |= 1u << static_cast<unsigned>(s.state);
        }
    }
    if (asks[1].wanted && asks[2].wanted && options.ipv4 && options.ipv6) {
        asks[0].wanted = true;
        asks[0].states = asks[1].states | asks[2].states;
    }
    if (std::none_of(std::begin(asks), std::end(asks), [](const Ask& a) { return a.wanted; })) {
        return;
    }
    auto diag = netlink::SockDiag::create();
    if (!diag) {
        warnings.push_back(
            {"port binding unknown for sockets no owner or earlier snapshot vouched for: " +
             diag.error().message});
        return;
    }
    std::unordered_set<std::uint64_t> explicit_cookies;
    std::string failure;
    for (std::size_t i = 0; i < std::size(asks); ++i) {
        Ask& ask = asks[i];
        if (!ask.wanted || (i > 0 && i < 3 && asks[0].answered)) {
            continue;
        }
        auto cookies = diag->explicitly_bound_in(ask.protocol, ask.family, ask.states);
        if (!cookies) {
            failure = cookies.error().message;  // both families at once: per family next
            continue;
        }
        explicit_cookies.merge(*cookies);
        ask.answered = true;
    }
    std::size_t left = 0;
    for (auto& s : sockets) {
        if (s.binding != core::PortBinding::Unknown) {
            continue;
        }
        const int i = slot(s);
        if (asks[i].answered || (i < 3 && asks[0].answered)) {
            s.binding = explicit_cookies.contains(s.cookie) ? core::PortBinding::Explicit
                                                            : core::PortBinding::Auto;
        } else {
            ++left;
        }
    }
    if (left > 0) {
        warnings.push_back({"port binding unknown for " + std::to_string(left) +
                            " sockets no owner or earlier snapshot vouched for: " + failure});
    }
}

Result<void> dump_procfs(const LiveOptions& options, std::vector<core::Socket>& out) {
    for (const Table& t : kTables) {
        if (!wanted(options, t)) {
            continue;
        }
        std::string path = options.platform.proc_root + "/thread-self/net/" + t.proc_name;
        auto text = sys::read_file(path);
        if (!text) {
            if (t.family == core::Family::Ipv6) {
                continue;  // IPv6 disabled
            }
            return make_error("cannot read " + path);
        }
        auto sockets = formats::parse_proc_net(*text, t.protocol);
        if (!sockets) {
            return make_error(path + ": " + sockets.error().message);
        }
        out.insert(out.end(), std::make_move_iterator(sockets->begin()),
                   std::make_move_iterator(sockets->end()));
    }
    return {};
}

// The namespace's range, read once per namespace: read_live_host_facts keeps it.
std::optional<core::PortRange> read_port_range(const std::string& proc_root) {
    auto text = sys::read_file(proc_root + "/sys/net/ipv4/ip_local_port_range");
    if (!text) {
        return std::nullopt;
    }
    auto range = formats::parse_sysctl_port_range(*text);
    return range ? std::optional(*range) : std::nullopt;
}

// Exact makers for sockets no descriptor refers to, from the map a running monitor pinned
// (collect/linux/bpf/events.h: PW_MAKERS_PIN); nothing when none runs or eBPF is not built.
std::vector<core::Maker> attach_pinned_makers(
    [[maybe_unused]] std::vector<core::Socket>& sockets,
    [[maybe_unused]] std::vector<core::Warning>& warnings) {
#ifdef PORTWATCH_HAVE_BPF
    auto pinned = bpf::PinnedMakers::open(PW_MAKERS_PIN);
    if (!pinned) {
        warnings.push_back({"TIME_WAIT owners not exact: " + pinned.error().message});
        return {};
    }
    if (!*pinned) {
        return {};
    }
    const bpf::PinnedMakers& map = **pinned;
    return attach_recorded_makers(sockets, [&](std::uint64_t cookie) { return map.find(cookie); });
#else
    return {};
#endif
}

}  // namespace

Result<core::Snapshot> take_live_snapshot(const LiveOptions& options) {
    core::Snapshot snap;
    snap.taken_at = options.clock->now();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
        snap.hostname = host;
    }
    auto guard = NetnsGuard::enter_unless_empty(options.platform.netns);
    if (!guard) {
        return std::unexpected(guard.error());
    }
    snap.netns_name = options.platform.netns;
    if (auto inode = netns_inode(options.platform.proc_root + "/thread-self/ns/net")) {
        snap.netns = *inode;
    }

    // The owner pass and the socket dump are independent: run them on both cores. Making the
    // owner source belongs to the pass: loading the eBPF program parses the kernel's BTF.
    // A pass shared by several snapshots (LiveOptions::owner_pass) is used as it is.
    OwnerPass fresh;
    std::jthread scanner;
    OwnerCache* cache = options.platform.owner_pass ? nullptr : options.platform.owner_cache.get();
    if (!options.platform.owner_pass && cache == nullptr &&
        owner_mode(options.owners, options.platform.owner_method) != OwnerMode::None) {
        scanner = std::jthread([&] {
            const OwnerMode mode = owner_mode(options.owners, options.platform.owner_method);
            fresh = options.platform.kept_owners
                        ? options.platform.kept_owners->run(mode, options.platform.proc_root)
                        : run_owner_pass(mode, options.platform.proc_root);
        });
    }
    // The eBPF owner pass reads every socket descriptor's port lock: then the dump is the only
    // walk of the socket tables, and the explicit-bind query (a second walk) is left for the
    // few sockets no descriptor vouches for (resolve_port_binding).
    // Bindings kept from the last snapshot of this scope (the monitor's) stand in for the query
    // the same way: it is left for the sockets that snapshot did not have.
    const auto& shared = options.platform.owner_pass;
    BindingCache* bindings = options.platform.bindings.get();
    const bool locks_from_owners =
        shared ? shared->scan && *shared->scan && (*shared->scan)->knows_port_locks
               : owner_pass_likely_knows_port_locks(
                     owner_mode(options.owners, options.platform.owner_method));

    Result<void> dumped = make_error("no socket source tried");
    if (options.platform.sockets != SocketMode::Procfs) {
        dumped = dump_netlink(options, !locks_from_owners && bindings == nullptr, snap.sockets);
        snap.source.sockets = "netlink";
        if (!dumped && options.platform.sockets == SocketMode::Auto) {
            snap.warnings.push_back(
                {"sock_diag unavailable (" + dumped.error().message + "); read /proc/net instead"});
            snap.sockets.clear();
        }
    }
    if (options.platform.sockets == SocketMode::Procfs ||
        (!dumped && options.platform.sockets == SocketMode::Auto)) {
        dumped = dump_procfs(options, snap.sockets);
        snap.source.sockets = "procfs";
    }
    snap.config.ephemeral = read_port_range(options.platform.proc_root);
    snap.config.range_origin = "net.ipv4.ip_local_port_range";
    if (scanner.joinable()) {
        scanner.join();
    }
    // A kept pass needs the dumped inodes (which ones are new): it runs after the dump.
    const OwnerPass& pass = options.platform.owner_pass  ? *options.platform.owner_pass
                            : cache != nullptr && dumped ? cache->pass(snap.sockets, snap.taken_at)
                                                         : fresh;
    // Choosing the source is the first thing a snapshot reports on.
    snap.warnings.insert(snap.warnings.begin(), pass.warnings.begin(), pass.warnings.end());
    if (!pass.created) {
        return std::unexpected(pass.created.error());
    }
    if (!dumped) {
        return std::unexpected(dumped.error());
    }

    snap.source.owners = pass.name;
    const OwnerScan* scan = pass.scan && *pass.scan ? &**pass.scan : nullptr;
    if (pass.scan && !*pass.scan) {
        snap.warnings.push_back({"owner pass failed: " + pass.scan->error().message});
    }
    // The processes to read: the holders of this namespace's sockets.
    std::vector<std::int32_t> pids;
    if (scan != nullptr) {
        pids = attach_owners(snap.sockets, *scan);
    }
    if ((locks_from_owners || bindings != nullptr) && snap.source.sockets == "netlink") {
        if (bindings != nullptr) {
            bindings->fill(snap.sockets);
        }
        resolve_port_binding(options, snap.sockets, snap.warnings);
        if (bindings != nullptr) {
            bindings->keep(snap.sockets);
        }
    }
    // Owners of sockets no descriptor refers to, recorded by a running monitor. Its pids are
    // the host's: only where /proc is the host's too.
    std::vector<core::Maker> recorded;
    if (owner_mode(options.owners, options.platform.owner_method) != OwnerMode::None &&
        snap.source.sockets == "netlink" && options.platform.proc_root == "/proc") {
        recorded = attach_pinned_makers(snap.sockets, snap.warnings);
    }
    if (scan == nullptr && recorded.empty()) {
        return snap;
    }
    static const std::vector<FdCount> kNoCounts;
    const auto& fd_counts = scan != nullptr ? scan->fd_counts : kNoCounts;
    snap.processes =
        procfs::read_processes(options.platform.proc_root, pids, fd_counts, snap.warnings);
    // The makers not among the holders: many have exited (settle_recorded_makers names them).
    std::vector<std::int32_t> maker_pids;
    for (const auto& m : recorded) {
        if (!std::binary_search(pids.begin(), pids.end(), m.pid)) {
            maker_pids.push_back(m.pid);
        }
    }
    std::sort(maker_pids.begin(), maker_pids.end());
    std::vector<core::Warning> exited;  // not a warning: a maker may exit, its TIME_WAIT stays
    auto makers = procfs::read_processes(options.platform.proc_root, maker_pids, fd_counts, exited);
    snap.processes.insert(snap.processes.end(), std::make_move_iterator(makers.begin()),
                          std::make_move_iterator(makers.end()));
    if (std::size_t given_back = settle_recorded_makers(snap.sockets, recorded, snap.processes)) {
        snap.warnings.push_back({std::to_string(given_back) +
                                 " sockets recorded by the monitor belong to processes whose "
                                 "pid is now another process's: left without owner"});
    }
    if (scan != nullptr) {
        snap.warnings.insert(snap.warnings.end(), scan->warnings.begin(), scan->warnings.end());
    }
    return snap;
}

}  // namespace portwatch::collect
