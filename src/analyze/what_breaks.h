#pragma once
// What fails because of a finding, said the way the person whose calls fail would notice it:
// "new connections to 10.0.0.9:5432 (PostgreSQL)", "every outbound connection of this host
// (file shares, DNS registration, Kerberos ...)".

#include <optional>
#include <span>
#include <vector>

#include "analyze/finding.h"
#include "analyze/pool.h"
#include "core/host_config.h"

namespace portwatch::analyze {

// When `pool` runs out. `mechanism` tells bind(0) pools apart; `destinations` are the ones in
// use (most sockets first), named with their well-known service.
Breakage pool_breakage(const Pool& pool, Mechanism mechanism, core::Platform platform,
                       std::span<const DestinationShare> destinations);

// Listeners, bound or reserved ports inside the range: every connect() loses them.
Breakage range_breakage(bool now, core::Platform platform);

// One process at its descriptor limit (EMFILE), or the host at fs.file-max (ENFILE), or the
// conntrack table full.
Breakage process_breakage(const LimitUsage& usage);
std::optional<Breakage> limit_breakage(const LimitUsage& usage);

// The report's: what fails now, else first, over every finding (one host-wide breakage beats
// a list of destinations; destinations of several pools are listed together).
std::optional<Breakage> report_breakage(std::span<const Finding> findings);

}  // namespace portwatch::analyze
