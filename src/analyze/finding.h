#pragma once
// What portwatch says about a pool or a limit: the culprit, the mechanism, the evidence and
// the remedy, as data the text and JSON renderers share.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/pool.h"
#include "analyze/severity.h"
#include "core/endpoint.h"

namespace portwatch::analyze {

enum class Mechanism : std::uint8_t {
    TimeWaitChurn,      // short connections closed by this side first
    CloseWaitLeak,      // the peer closed, the application never did
    Hoarding,           // many ESTABLISHED connections kept open
    DeadBackend,        // connects stuck in SYN_SENT: the destination does not answer
    BindBeforeConnect,  // bind(ip, 0) then connect(): one port per connection, all destinations
    UdpLeak,            // many UDP sockets held by a process (resolvers)
    NarrowRange,        // the range itself is small
    ReservedRange,      // ip_local_reserved_ports / excluded ranges eat the range
    ListenersInRange,   // listeners and explicitly bound ports inside the range tax every pool
    Mixed,              // no single pattern dominates
    FdLimit,            // a process near its RLIMIT_NOFILE (EMFILE)
    FileMax,            // the host near fs.file-max (ENFILE)
    Conntrack,          // nf_conntrack table near full (packets dropped)
    TimeWaitBuckets,    // tcp_max_tw_buckets reached (TIME_WAIT dropped early)
    Orphans,            // tcp_max_orphans (connections reset)
    TcpMemory,          // tcp_mem pressure/max (socket memory)
    LoggedExhaustion,   // Windows logged Tcpip 4227/4231: exhaustion already happened
    NonPagedPool,       // Windows non-paged pool near its ceiling: fails like exhaustion
};

std::string_view mechanism_name(Mechanism mechanism);  // "time-wait-churn", ...

struct Culprit {
    std::int32_t pid = 0;  // 0: no owner could be found
    std::string name;
    std::string cmdline;
    std::uint32_t sockets = 0;
    double share = 0;       // of the pool's sockets (findings on a limit: 1)
    bool inferred = false;  // some of its sockets were attributed by remote endpoint
    // fd-limit findings: the descriptors it has open (`sockets`: how many of them are
    // sockets). 0 elsewhere.
    std::uint32_t file_descriptors = 0;
    // Range-wide causes (listeners, bind-before-connect): the bind-owned ports it holds, taken
    // from every connect() pool; `share` is then of the usable range. 0 otherwise.
    std::uint32_t ports = 0;
};

// Which traffic fails because of a finding, in the words of the person whose calls fail.
enum class BreakScope : std::uint8_t {
    Destinations,  // connect() toward the listed destinations only (Linux connect() pools)
    Host,          // every new outbound connection of the host (Windows, bind(0), the range)
    UdpSockets,    // every new UDP socket of the host (DNS lookups first)
    Process,       // every new socket or file of one process (fd limits)
};

std::string_view break_scope_name(BreakScope scope);  // "destinations", "host", ...

struct AffectedDestination {
    core::Endpoint remote;
    std::string_view service;  // well_known_service(); empty when the port has none
    std::uint32_t sockets = 0;
};

struct Breakage {
    bool now = false;  // already failing (nothing free); else: what fails first
    BreakScope scope = BreakScope::Destinations;
    core::Protocol protocol = core::Protocol::Tcp;
    std::vector<AffectedDestination> destinations;  // most sockets first
    std::string text;  // one sentence: "Failing now: ...", "Fails first: ..."
};

struct Finding {
    Severity severity = Severity::Ok;
    Mechanism mechanism = Mechanism::Mixed;
    std::optional<std::size_t> pool;  // index into Report::pools
    std::string title;                // one plain sentence: what happened, and to whom
    std::vector<Culprit> culprits;    // who drains it, largest share first
    std::vector<Culprit> servers;     // processes listening at a local destination
    // When the cause is not the pool's own sockets (ports bound by others, reserved ports):
    // the processes whose connections are in the pool, the ones that fail.
    std::vector<Culprit> clients;
    std::vector<std::string> evidence;
    std::string remedy;
    // This cause's own destinations (one per pool for a Linux connect() pool).
    std::vector<DestinationShare> destinations;
    // Several processes draining one pool in different ways give one finding each, on the
    // same pool: this is cause `cause` of `causes`.
    std::uint32_t cause = 1;
    std::uint32_t causes = 1;
    std::optional<Breakage> breaks;  // what fails; unset for limits that break nothing new
};

enum class LimitKind : std::uint8_t {
    ProcessFds,
    FileMax,
    Conntrack,
    TimeWaitBuckets,
    Orphans,
    TcpMemory
};

std::string_view limit_kind_name(LimitKind kind);  // "process-fds", "file-max", ...

// A neighbouring limit: checked whenever its numbers are known.
struct LimitUsage {
    LimitKind kind = LimitKind::ProcessFds;
    std::int32_t pid = 0;  // ProcessFds only
    std::string name;      // process name (ProcessFds) or the sysctl that sets the limit
    std::uint64_t used = 0;
    std::uint64_t limit = 0;
    double utilisation = 0;
    Severity severity = Severity::Ok;
    // ProcessFds: how many of its descriptors are sockets, and their states.
    std::uint32_t sockets = 0;
    StateCounts socket_states;
};

}  // namespace portwatch::analyze
