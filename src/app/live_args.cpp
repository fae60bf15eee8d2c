#include "app/live_args.h"

#include "app/value_hints.h"

namespace portwatch::app {

void add_live_options(CLI::App& cmd, LiveArgs& a) {
    complete_words(
        cmd.add_option("--owners", a.owners, "how to find owning processes: auto, proc, bpf, none"),
        {"auto", "proc", "bpf", "none"})
        ->capture_default_str();
    complete_words(
        cmd.add_option("--source", a.source, "where to read sockets: auto, netlink, procfs"),
        {"auto", "netlink", "procfs"})
        ->capture_default_str();
}

Result<void> finish_live_args(const LiveArgs& a, collect::LiveOptions& live) {
    if (a.owners == "auto") {
        live.owners = true;
        live.platform.owner_method = collect::OwnerMethod::Auto;
    } else if (a.owners == "proc") {
        live.owners = true;
        live.platform.owner_method = collect::OwnerMethod::Proc;
    } else if (a.owners == "bpf") {
        live.owners = true;
        live.platform.owner_method = collect::OwnerMethod::Bpf;
    } else if (a.owners == "none") {
        live.owners = false;
    } else {
        return make_error("--owners must be auto, proc, bpf or none");
    }
    if (a.source == "auto") {
        live.platform.sockets = collect::SocketMode::Auto;
    } else if (a.source == "netlink") {
        live.platform.sockets = collect::SocketMode::Netlink;
    } else if (a.source == "procfs") {
        live.platform.sockets = collect::SocketMode::Procfs;
    } else {
        return make_error("--source must be auto, netlink or procfs");
    }
    return {};
}

}  // namespace portwatch::app
