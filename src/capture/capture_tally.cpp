#include "capture/capture_tally.h"

namespace portwatch::capture {

void append_tally_warnings(const CaptureTally& t, bool windows_netstat, bool has_bound_rows,
                           std::vector<core::Warning>& out) {
    auto warn = [&](std::string text) { out.push_back(core::Warning{std::move(text)}); };
    if (t.unrecognised > 0) {
        warn(plural(t.unrecognised, "line was", "lines were") + " not recognised and skipped (" +
             t.first_unrecognised + (t.unrecognised > 1 ? ", ..." : "") + ")");
    }
    if (t.unknown_state > 0) {
        warn(plural(t.unknown_state, "row has", "rows have") +
             " a state word portwatch does not know (" + t.first_unknown_state +
             "); kept with state UNKNOWN");
    }
    if (t.named > 0) {
        warn(plural(t.named, "row prints", "rows print") +
             " host or service names instead of numbers (netstat without -n, ss without -n): "
             "kept as names; their ports cannot be placed in a pool. Capture with -n.");
    }
    if (t.by_name > 0) {
        warn("no PID column (netstat -ab without -o): the owners of " +
             plural(t.by_name, "socket are", "sockets are") +
             " taken from the [exe] line after each row, one process per name and service list "
             "(instances of one program count as one); capture with -anob for PIDs");
    } else if (t.rows > 0 && t.without_pid_column == t.rows) {
        warn(
            "the capture has no owner column: sockets cannot be attributed to processes "
            "(capture with netstat -anoq / -anobq on Windows, ss -tanp or netstat -tanp as root "
            "on Linux)");
    } else if (t.without_pid_column > 0) {
        warn(plural(t.without_pid_column, "row has", "rows have") + " no owner column");
    }
    if (t.owner_unavailable > 0) {
        warn("netstat -b could not name the owner of " +
             plural(t.owner_unavailable, "socket", "sockets") +
             " (\"Can not obtain ownership information\": protected or system processes)");
    }
    if (t.names_without_pid > 0) {
        warn(plural(t.names_without_pid, "owner line follows a row", "owner lines follow rows") +
             " without a PID column (netstat -anb): the names cannot be joined to sockets; "
             "capture with -anob");
    }
    if (t.orphan_system > 0) {
        warn(plural(t.orphan_system, "socket shows", "sockets show") +
             " [System] for a PID other than 4: its process had exited, the kernel still holds "
             "the port");
    }
    if (t.without_ports > 0) {
        warn(plural(t.without_ports, "row has", "rows have") +
             " no port numbers (tcpvcon 4.x CSV): sockets are counted but cannot be placed in "
             "the dynamic range; capture with netstat -anoq");
    }
    if (t.cut > 0) {
        warn(plural(t.cut, "row has an IPv6 address", "rows have an IPv6 address") +
             " that fills netstat's 23-character column and may be cut (net-tools without -W): "
             "kept as printed and marked cut, never matched as an exact address; capture with "
             "netstat -W or ss");
    }
    if (t.skipped > 0) {
        warn("skipped " + plural(t.skipped, "socket", "sockets") +
             " that are neither TCP nor UDP (unix, raw, netlink, packet)");
    }
    if (windows_netstat && !has_bound_rows && t.rows > 0) {
        warn(
            "no BOUND rows: without -q netstat hides ports held by bound, unconnected sockets, "
            "which count against the pool; capture with netstat -anoq (Windows 10 / 2012 R2 "
            "and later)");
    }
}

}  // namespace portwatch::capture
