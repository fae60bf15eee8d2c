// app/live_args.h on Linux: network namespaces, sock_diag or /proc, /proc or eBPF owners.
#include "app/live_args.h"

#include "app/value_hints.h"

namespace portwatch::app {

void add_scope_option(CLI::App& cmd, LiveArgs& a, LiveCommand command) {
    if (command == LiveCommand::Diagnose) {
        complete_netns(cmd.add_option("--netns", a.scope,
                                      "network namespace: a name from `ip netns`, a pid, a path, "
                                      "or `all` for every namespace on the host (each container)"),
                       {"all"});
    } else {
        complete_netns(cmd.add_option(
            "--netns", a.scope, "network namespace: a name from `ip netns`, a pid, or a path"));
    }
}

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
    live.platform.netns = every_scope(a) ? std::string() : a.scope;
    return {};
}

bool every_scope(const LiveArgs& a) {
    return a.scope == "all";
}

std::string scope_label(const collect::LiveOptions& live) {
    const auto& spec = live.platform.netns;
    bool pid = !spec.empty() && spec.find_first_not_of("0123456789") == std::string::npos;
    return pid ? "pid " + spec : spec;
}

std::string live_footer(LiveCommand command) {
    if (command == LiveCommand::Snapshot) {
        return R"(EXAMPLES:
  portwatch snapshot                          all sockets, netstat -anob style
  portwatch snapshot -t --state TIME_WAIT,CLOSE_WAIT --sort remote
  portwatch snapshot --process nginx --json
  portwatch snapshot --remote 10.0.0.5:445 --csv > smb.csv
  portwatch snapshot --netns blue             sockets of `ip netns` namespace "blue"

Without root, sockets of other users' processes show no owner; portwatch says so on stderr.)";
    }
    return R"(EXIT STATUS (Nagios plugin convention):
  0 OK, 1 WARNING, 2 CRITICAL or EXHAUSTED, 3 UNKNOWN (the sockets could not be read)

EXAMPLES:
  portwatch diagnose                        this host (its own network namespace)
  portwatch diagnose --netns all            every network namespace, each container
  portwatch diagnose --netns 4242 --json    the namespace of pid 4242, as JSON
  portwatch diagnose --warning 60 --critical 80

diagnose opens no TCP/UDP port of its own: it works on a host whose ranges are exhausted.
Run as root to see every process's sockets and other namespaces.)";
}

}  // namespace portwatch::app
