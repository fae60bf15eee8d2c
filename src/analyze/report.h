#pragma once
// The diagnose engine: a pure function from one namespace's Snapshot (+ host facts when they
// were read live) to a typed Report. `portwatch diagnose` feeds it live snapshots,
// `portwatch analyze` saved captures; both render the Report with render/report_*.h.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyze/finding.h"
#include "analyze/pool.h"
#include "analyze/severity.h"
#include "core/host_config.h"
#include "core/snapshot.h"

namespace portwatch::analyze {

// What the engine looked at, so "nothing is wrong" can say what that covers.
struct Checked {
    std::uint32_t sockets = 0;
    std::uint32_t tcp = 0;
    std::uint32_t udp = 0;
    std::uint32_t processes = 0;
    std::uint32_t connect_pools = 0;
    std::uint32_t local_pools = 0;  // TcpLocal
    std::uint32_t udp_pools = 0;
    std::uint32_t limits = 0;
    std::uint32_t time_wait_inferred = 0;  // TIME_WAITs attributed by remote endpoint
    std::uint32_t time_wait_unowned = 0;   // ... and those nobody could be found for
    bool host_facts = false;
};

// A process's TIME_WAITs attributed by remote endpoint: each such socket once per process it
// is attributed to (pools nest, so summing their owners would count it two or three times).
struct InferredTimeWaits {
    std::int32_t pid = 0;
    std::string name;
    std::uint32_t sockets = 0;
};

struct Report {
    Severity verdict = Severity::Ok;  // worst finding
    bool unknown = false;             // the data cannot support a verdict (see `summary`)
    std::string summary;              // one or two plain sentences, verdict first

    // Where and what
    std::string hostname;
    std::uint64_t netns = 0;
    std::string netns_name;
    std::chrono::system_clock::time_point taken_at;
    core::SourceInfo source;
    core::Platform platform = core::Platform::Linux;
    core::PortRange range;     // the ephemeral range the model used
    std::string range_origin;  // sysctl, capture, or "assumed default"
    core::RangeSource range_source = core::RangeSource::Host;
    std::optional<core::RangeInference> range_inference;  // a capture's ports did not fit
    std::uint32_t range_size = 0;  // auto-assignable TCP ports (reserved removed)
    std::uint32_t reserved = 0;    // reserved ports inside the range
    std::uint32_t bind_owned = 0;  // Linux: ports in the range taxing every connect pool
    std::uint32_t listeners_in_range = 0;
    std::uint8_t tcp_tw_reuse = 2;  // as used by the model (Linux only)
    bool tw_reuse_assumed = true;   // not read from the host
    // How long a TIME_WAIT holds its port, and why that figure (Windows: per generation).
    std::uint32_t time_wait_seconds = 60;
    std::string time_wait_origin;
    core::WindowsGeneration windows = core::WindowsGeneration::Unknown;

    // What fails now, or first, over every finding; also said in `summary`.
    std::optional<Breakage> breaks;

    std::vector<Pool> pools;              // every pool, worst first (utilisation, then size)
    std::vector<Finding> findings;        // worst first; empty when nothing is wrong
    std::vector<LimitUsage> limits;       // every neighbouring limit that could be checked
    std::optional<core::HostFacts> host;  // the facts the engine was given, as evidence
    Checked checked;
    std::vector<InferredTimeWaits> inferred_time_waits;  // by process, most first
    std::vector<core::Warning> warnings;                 // the snapshot's, then the engine's own
};

// `facts` may be null (captures). Pools follow the platform of snapshot.config.
Report diagnose(const core::Snapshot& snapshot, const core::HostFacts* facts,
                const Thresholds& thresholds);

}  // namespace portwatch::analyze
