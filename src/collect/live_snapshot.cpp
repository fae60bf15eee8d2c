#include "collect/live_snapshot.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

#include "collect/netlink/sock_diag.h"
#include "collect/netns.h"
#include "collect/procfs/proc_net.h"
#include "collect/procfs/process_reader.h"
#include "collect/read_file.h"

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

bool wanted(const LiveOptions& o, const Table& t) {
    return (t.protocol == core::Protocol::Tcp ? o.tcp : o.udp) &&
           (t.family == core::Family::Ipv4 ? o.ipv4 : o.ipv6);
}

Result<void> dump_netlink(const LiveOptions& options, std::vector<core::Socket>& out) {
    auto diag = netlink::SockDiag::create();
    if (!diag) {
        return std::unexpected(diag.error());
    }
    for (const Table& t : kTables) {
        if (!wanted(options, t)) {
            continue;
        }
        // Explicit binds first: a socket that appears between the two dumps is then counted
        // as autobound, the common case.
        auto bound = diag->explicitly_bound(t.protocol, t.family);
        if (!bound) {
            return std::unexpected(bound.error());
        }
        std::size_t first = out.size();
        if (auto ok = diag->dump(t.protocol, t.family, out); !ok) {
            return ok;
        }
        for (std::size_t i = first; i < out.size(); ++i) {
            out[i].binding = bound->contains(out[i].cookie) ? core::PortBinding::Explicit
                                                            : core::PortBinding::Auto;
        }
    }
    return {};
}

Result<void> dump_procfs(const LiveOptions& options, std::vector<core::Socket>& out) {
    for (const Table& t : kTables) {
        if (!wanted(options, t)) {
            continue;
        }
        std::string path = options.proc_root + "/thread-self/net/" + t.proc_name;
        auto text = read_file(path);
        if (!text) {
            if (t.family == core::Family::Ipv6) {
                continue;  // IPv6 disabled
            }
            return make_error("cannot read " + path);
        }
        auto sockets = procfs::parse_proc_net(*text, t.protocol);
        if (!sockets) {
            return make_error(path + ": " + sockets.error().message);
        }
        out.insert(out.end(), std::make_move_iterator(sockets->begin()),
                   std::make_move_iterator(sockets->end()));
    }
    return {};
}

std::optional<core::PortRange> read_port_range(const std::string& proc_root) {
    auto text = read_file(proc_root + "/sys/net/ipv4/ip_local_port_range");
    if (!text) {
        return std::nullopt;
    }
    unsigned low = 0, high = 0;
    const char* p = text->data();
    const char* end = p + text->size();
    auto r1 = std::from_chars(p, end, low);
    p = r1.ptr;
    while (p < end && (*p == ' ' || *p == '\t')) {
        ++p;
    }
    auto r2 = std::from_chars(p, end, high);
    if (r1.ec != std::errc{} || r2.ec != std::errc{} || high > 65535 || low > high) {
        return std::nullopt;
    }
    return core::PortRange{static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high)};
}

}  // namespace

Result<core::Snapshot> take_live_snapshot(const LiveOptions& options) {
    core::Snapshot snap;
    snap.taken_at = std::chrono::system_clock::now();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
        snap.hostname = host;
    }
    std::optional<NetnsGuard> guard;
    if (!options.netns.empty()) {
        auto entered = NetnsGuard::enter(options.netns);
        if (!entered) {
            return std::unexpected(entered.error());
        }
        guard.emplace(std::move(*entered));
        snap.netns_name = options.netns;
    }
    if (auto inode = netns_inode(options.proc_root + "/thread-self/ns/net")) {
        snap.netns = *inode;
    }

    auto owners = make_owner_source(options.owners, options.proc_root, snap.warnings);
    if (!owners) {
        return std::unexpected(owners.error());
    }
    // The fd-table pass and the socket dump are independent: run them on both cores.
    Result<OwnerScan> scan = OwnerScan{};
    std::jthread scanner;
    if (*owners) {
        scanner = std::jthread([&] { scan = (*owners)->scan(); });
    }

    Result<void> dumped = make_error("no socket source tried");
    if (options.sockets != SocketMode::Procfs) {
        dumped = dump_netlink(options, snap.sockets);
        snap.source.sockets = "netlink";
        if (!dumped && options.sockets == SocketMode::Auto) {
            snap.warnings.push_back({"sock_diag unavailable (" + dumped.error().message +
                                     "); read /proc/net instead"});
            snap.sockets.clear();
        }
    }
    if (options.sockets == SocketMode::Procfs ||
        (!dumped && options.sockets == SocketMode::Auto)) {
        dumped = dump_procfs(options, snap.sockets);
        snap.source.sockets = "procfs";
    }
    snap.config.ephemeral = read_port_range(options.proc_root);
    snap.config.range_origin = "net.ipv4.ip_local_port_range";
    if (scanner.joinable()) {
        scanner.join();
    }
    if (!dumped) {
        return std::unexpected(dumped.error());
    }

    snap.source.owners = *owners ? std::string((*owners)->name()) : "none";
    if (!*owners) {
        return snap;
    }
    if (!scan) {
        snap.warnings.push_back({"owner pass failed: " + scan.error().message});
        return snap;
    }
    attach_owners(snap.sockets, *scan);
    std::vector<std::int32_t> pids;
    for (const auto& s : snap.sockets) {
        pids.insert(pids.end(), s.owners.begin(), s.owners.end());
    }
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    std::sort(scan->fd_counts.begin(), scan->fd_counts.end(),
              [](const FdCount& a, const FdCount& b) { return a.pid < b.pid; });
    snap.processes = procfs::read_processes(options.proc_root, pids, scan->fd_counts, snap.warnings);
    snap.warnings.insert(snap.warnings.end(), scan->warnings.begin(), scan->warnings.end());
    return snap;
}

}  // namespace portwatch::collect
