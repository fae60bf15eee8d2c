#pragma once
// The live source: every TCP/UDP socket of this host with its owning processes, and the
// host's port-allocation settings, behind one interface for every OS. CMake builds one
// implementation (src/collect/linux/: sock_diag, /proc, eBPF, network namespaces; for the
// Windows build src/collect/windows/) and names that OS's options header in
// PORTWATCH_COLLECT_PLATFORM_H, which defines `collect::PlatformOptions`.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/host_config.h"
#include "core/result.h"
#include "core/snapshot.h"
#include PORTWATCH_COLLECT_PLATFORM_H

namespace portwatch::collect {

// What to read, the same on every OS; `platform` says how to read it on this one.
struct LiveOptions {
    bool tcp = true;
    bool udp = true;
    bool ipv4 = true;
    bool ipv6 = true;
    bool owners = true;                                // find the processes that hold each socket
    const core::Clock* clock = &core::system_clock();  // stamps the snapshot
    PlatformOptions platform;
};

// A part of the host the live source reads on its own: a network namespace on Linux (each
// container's), the whole host where there are none.
struct Scope {
    std::string spec;   // what select_scope takes; empty: the caller's own
    std::string label;  // for people: "blue", "pid 812 (containerd-shim)", "host"
};

// One snapshot of the scope `options` select. Partial data (denied processes, a failed owner
// pass) is warnings in the snapshot; only not reading the sockets at all is an error.
Result<core::Snapshot> take_live_snapshot(const LiveOptions& options);

// The scope's range, reserved ports and switches into `config`, and its neighbouring limits;
// a file that cannot be read is a warning, only not entering the scope is an error.
Result<core::HostFacts> read_live_host_facts(const LiveOptions& options, core::HostConfig& config,
                                             std::vector<core::Warning>& warnings);

// Every scope of the host, the caller's own first.
Result<std::vector<Scope>> list_scopes(const LiveOptions& options);

// `options` aimed at one scope.
LiveOptions select_scope(LiveOptions options, const Scope& scope);

// Whether a scope listed earlier is gone (a container that stopped): not a failure.
bool scope_vanished(const Scope& scope);

// Lets the snapshots of several scopes share one pass over the process table (file tables
// belong to processes, not to namespaces). Does nothing where owners are off.
void share_owner_pass(LiveOptions& options);

// For a caller that snapshots the same scope again and again (the monitor): owners found in
// one snapshot are kept for the next, and the process table is read again only for sockets
// no pass has seen (and in full now and then); so are port bindings (Linux), and the
// kernel's explicit-bind query asks only about sockets no snapshot has seen. Copies of
// `options` share what is kept; one thread at a time. Owners are not kept where they are off
// or come with each row (Windows).
void keep_owners_between_snapshots(LiveOptions& options);
// Lets every snapshot taken with these options (and their copies) reuse one owner source,
// made at the first: for a process that snapshots again and again (the exporter), the eBPF
// iterator is loaded once instead of once a snapshot. Does nothing where owners are off.
void keep_owner_source(LiveOptions& options);

}  // namespace portwatch::collect
