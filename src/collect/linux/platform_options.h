#pragma once
// How the Linux live source reads (collect::LiveOptions::platform): which network namespace,
// sock_diag or /proc/net, and how owners are found.

#include <memory>
#include <string>

namespace portwatch::collect {

struct OwnerPass;
class OwnerCache;
class KeptOwnerSource;
class BindingCache;

enum class SocketMode { Auto, Netlink, Procfs };
enum class OwnerMethod { Auto, Proc, Bpf };

struct PlatformOptions {
    std::string netns;  // a name from `ip netns`, a pid, a path; empty: the caller's own
    SocketMode sockets = SocketMode::Auto;
    OwnerMethod owner_method = OwnerMethod::Auto;  // Auto: eBPF where it loads, else /proc
    std::string proc_root = "/proc";
    // An owner pass already made (share_owner_pass), shared by the snapshots of several
    // namespaces; when unset, each snapshot makes its own.
    std::shared_ptr<const OwnerPass> owner_pass;
    // Owners kept between the snapshots of one scope (keep_owners_between_snapshots): the
    // monitor's. Ignored when owner_pass is set.
    std::shared_ptr<OwnerCache> owner_cache;
    // Port bindings kept between the snapshots of one scope (keep_owners_between_snapshots):
    // the explicit-bind query then asks only about sockets not seen before.
    std::shared_ptr<BindingCache> bindings;
    // An owner source kept between snapshots (keep_owner_source): each snapshot scans with it
    // instead of making its own. Unset: each makes and releases one.
    std::shared_ptr<KeptOwnerSource> kept_owners;
};

}  // namespace portwatch::collect
