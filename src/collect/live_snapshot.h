#pragma once
// The live Linux source: sockets from sock_diag (or /proc/net), owners from the fd tables.

#include <memory>
#include <string>

#include "collect/owner_source.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::collect {

enum class SocketMode { Auto, Netlink, Procfs };

struct LiveOptions {
    std::string netns;  // empty: the caller's own
    SocketMode sockets = SocketMode::Auto;
    OwnerMode owners = OwnerMode::Auto;
    bool tcp = true;
    bool udp = true;
    bool ipv4 = true;
    bool ipv6 = true;
    std::string proc_root = "/proc";
    // An owner pass already made (run_owner_pass), shared by the snapshots of several
    // namespaces; when unset, each snapshot makes its own per `owners`.
    std::shared_ptr<const OwnerPass> owner_pass;
};

Result<core::Snapshot> take_live_snapshot(const LiveOptions& options);

}  // namespace portwatch::collect
