#pragma once
// The live Linux source: sockets from sock_diag (or /proc/net), owners from the fd tables.

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
};

Result<core::Snapshot> take_live_snapshot(const LiveOptions& options);

}  // namespace portwatch::collect
