// app/live_args.h on Windows: one scope (the host); owners from the TCP/UDP tables.
#include "app/live_args.h"

namespace portwatch::app {

void add_scope_option(CLI::App&, LiveArgs&, LiveCommand) {
    // One scope: the host. Nothing to choose.
}

void add_live_options(CLI::App& cmd, LiveArgs& a) {
    cmd.add_option("--owners", a.owners,
                   "auto: owning processes with their image, user and service (as netstat "
                   "-anob); none: PIDs only")
        ->capture_default_str();
}

Result<void> finish_live_args(const LiveArgs& a, collect::LiveOptions& live) {
    if (a.owners == "auto") {
        live.owners = true;
    } else if (a.owners == "none") {
        live.owners = false;
    } else {
        return make_error("--owners must be auto or none");
    }
    return {};
}

bool every_scope(const LiveArgs&) {
    return false;
}

std::string scope_label(const collect::LiveOptions&) {
    return {};
}

std::string live_footer(LiveCommand command) {
    if (command == LiveCommand::Snapshot) {
        return R"(EXAMPLES:
  portwatch snapshot                          all sockets, netstat -anob style
  portwatch snapshot -t --state TIME_WAIT,CLOSE_WAIT --sort remote
  portwatch snapshot --process w3wp.exe --json
  portwatch snapshot --remote 10.0.0.5:445 --csv > smb.csv

Without Administrator, processes of other users and services show their PID and no name or
service; portwatch says so on stderr.)";
    }
    return R"(EXIT STATUS (Nagios plugin convention):
  0 OK, 1 WARNING, 2 CRITICAL or EXHAUSTED, 3 UNKNOWN (the sockets could not be read)

EXAMPLES:
  portwatch diagnose                        this host: the dynamic port range and its users
  portwatch diagnose --json
  portwatch diagnose --warning 60 --critical 80

diagnose opens no TCP/UDP port of its own: it works on a host whose ranges are exhausted.
It also reads the System event log (Tcpip events 4227 and 4231) and the non-paged pool.
Run from an Administrator prompt to see every process's name, user and service.)";
}

}  // namespace portwatch::app
