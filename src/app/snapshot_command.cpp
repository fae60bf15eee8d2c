#include "app/snapshot_command.h"

#include "app/exit_code.h"
#include "app/value_hints.h"
#include "render/utf8.h"

namespace portwatch::app {

CLI::App* add_snapshot_command(CLI::App& app, SnapshotArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "snapshot",
        "Every TCP/UDP socket with its owning processes (like netstat -anob, ss -tuanp)");
    cmd->add_flag("-t,--tcp", a.tcp, "TCP sockets only");
    cmd->add_flag("-u,--udp", a.udp, "UDP sockets only");
    cmd->add_flag("-4,--ipv4", a.ipv4, "IPv4 only");
    cmd->add_flag("-6,--ipv6", a.ipv6, "IPv6 only");
    cmd->add_flag("-l,--listening", a.listening, "listening TCP and unconnected UDP sockets only");
    complete_words(cmd->add_option("-s,--state", a.states,
                                   "only these states: LISTEN, ESTABLISHED, SYN_SENT, SYN_RECV, "
                                   "FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, "
                                   "CLOSING, BOUND, UNCONN"),
                   state_words())
        ->delimiter(',');
    cmd->add_option("-p,--pid", a.pids, "sockets owned by this process id")->delimiter(',');
    cmd->add_option("--process", a.processes, "sockets owned by a process of this name")
        ->delimiter(',');
    cmd->add_option("--port", a.ports, "local or remote port")->delimiter(',');
    cmd->add_option("--remote", a.remote, "remote ADDR, ADDR:PORT, [ADDR]:PORT or :PORT");
    complete_words(
        cmd->add_option("--sort", a.sort, "proto, local, remote, state, pid, process or none"),
        {"proto", "local", "remote", "state", "pid", "process", "none"})
        ->capture_default_str();
    auto* json = cmd->add_flag("--json", a.json, "JSON document (schema: docs/cli.md)");
    auto* csv = cmd->add_flag("--csv", a.csv, "CSV with a header row");
    json->excludes(csv);
    add_scope_option(*cmd, a.live, LiveCommand::Snapshot);
    add_live_options(*cmd, a.live);
    cmd->footer(live_footer(LiveCommand::Snapshot));
    return cmd;
}

Result<SnapshotOptions> finish_snapshot_args(const SnapshotArgs& a) {
    SnapshotOptions o;
    auto& f = o.filter;
    if (a.tcp || a.udp) {
        f.tcp = a.tcp;
        f.udp = a.udp;
    }
    if (a.ipv4 || a.ipv6) {
        f.ipv4 = a.ipv4;
        f.ipv6 = a.ipv6;
    }
    f.listening_only = a.listening;
    for (const auto& name : a.states) {
        auto state = core::parse_state(name);
        if (!state) {
            return make_error("unknown state '" + name +
                              "' (try LISTEN, ESTABLISHED, TIME_WAIT, CLOSE_WAIT, ...)");
        }
        f.states.push_back(*state);
        if (*state == core::TcpState::SynRecv) {
            f.states.push_back(core::TcpState::NewSynRecv);
        }
    }
    for (auto pid : a.pids) {
        if (pid < 1) {
            return make_error("--pid: " + std::to_string(pid) + " is not a process id");
        }
    }
    f.pids = a.pids;
    f.processes = a.processes;
    f.ports = a.ports;
    if (!a.remote.empty()) {
        if (auto ok = core::parse_remote(a.remote, f); !ok) {
            return std::unexpected(ok.error());
        }
    }
    auto sort = core::parse_sort_key(a.sort);
    if (!sort) {
        return make_error("unknown sort key '" + a.sort +
                          "' (proto, local, remote, state, pid, process, none)");
    }
    o.sort = *sort;
    o.format = a.json ? render::Format::Json : a.csv ? render::Format::Csv : render::Format::Table;

    auto& live = o.live;
    live.tcp = f.tcp;
    live.udp = f.udp;
    live.ipv4 = f.ipv4;
    // An IPv6 socket may carry IPv4 traffic (v4-mapped), but its family stays IPv6: dumps
    // can follow the family filter exactly.
    live.ipv6 = f.ipv6;
    if (auto ok = finish_live_args(a.live, live); !ok) {
        return std::unexpected(ok.error());
    }
    return o;
}

int run_snapshot(const SnapshotOptions& options, std::ostream& out, std::ostream& err) {
    auto snapshot = collect::take_live_snapshot(options.live);
    if (!snapshot) {
        err << "portwatch: " << render::terminal_safe(snapshot.error().message) << '\n';
        return kExitFailure;
    }
    for (const auto& w : snapshot->warnings) {
        err << "portwatch: warning: " << render::terminal_safe(w.message) << '\n';
    }
    auto selected = core::select(*snapshot, options.filter, options.sort);
    render::make_snapshot_renderer(options.format)->render(out, *snapshot, selected);
    return kExitOk;  // main() checks that the output was written
}

}  // namespace portwatch::app
