#pragma once
// What the host (one network namespace of it) says about its port allocation.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portwatch::core {

enum class Platform : std::uint8_t { Linux, Windows };

struct PortRange {
    std::uint16_t low = 0;
    std::uint16_t high = 0;  // inclusive
    std::uint32_t size() const { return high >= low ? high - low + 1u : 0u; }
    bool contains(std::uint16_t port) const { return port >= low && port <= high; }
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

// Where HostConfig::ephemeral came from (reports name it; JSON `range.source`).
enum class RangeSource : std::uint8_t {
    Host,      // read from the host (net.ipv4.ip_local_port_range)
    Option,    // --range
    Netsh,     // a netsh int ipv4 show dynamicport output in the capture
    Os,        // the documented default of the OS given by --os
    Inferred,  // the local ports of the capture's outbound connections (RangeInference)
    Default,   // the platform's documented default, assumed
};

// "host", "--range", "netsh", "--os", "inferred", "default".
inline const char* range_source_name(RangeSource source) {
    switch (source) {
        case RangeSource::Host:
            return "host";
        case RangeSource::Option:
            return "--range";
        case RangeSource::Netsh:
            return "netsh";
        case RangeSource::Os:
            return "--os";
        case RangeSource::Inferred:
            return "inferred";
        case RangeSource::Default:
            return "default";
    }
    return "host";
}

// A capture's outbound local ports checked against the range it would otherwise be judged by
// (capture/range_inference.h), when they do not fit it.
struct RangeInference {
    PortRange assumed;             // the range they did not fit
    std::string assumed_name;      // "the Windows Vista/2008 and later default"
    std::uint32_t ports_seen = 0;  // distinct local ports of outbound connections
    std::uint32_t outside = 0;     // ... outside `assumed`
    PortRange seen;                // the lowest and highest of them (a few extremes trimmed)
    PortRange inferred;            // `known` if one covers them, else `seen`
    std::string known_name;        // the known range `inferred` is, or empty
};

// Which Windows a capture came from, as far as it shows: it sets the defaults a report
// assumes (TIME_WAIT length, the dynamic range).
enum class WindowsGeneration : std::uint8_t {
    Unknown,
    UpTo2003,   // XP / Server 2003 and earlier: range 1025-5000, TcpTimedWaitDelay 240 s
    VistaPlus,  // Vista / Server 2008 and later: range 49152-65535, TcpTimedWaitDelay 120 s
};

struct HostConfig {
    Platform platform = Platform::Linux;
    WindowsGeneration windows = WindowsGeneration::Unknown;  // Windows captures only
    std::string windows_origin;          // how `windows` was told ("--os", "netsh output", ...)
    std::optional<PortRange> ephemeral;  // shared by TCP and UDP on Linux
    std::string range_origin;            // where `ephemeral` came from, said in reports
    RangeSource range_source = RangeSource::Host;
    // Set when the outbound ports do not fit the range they would be judged by; the range is
    // then the inferred one (range_source Inferred) unless --range or netsh gave it.
    std::optional<RangeInference> range_inference;
    std::string range_note;  // one sentence for the verdict when the range was inferred
    // Ports automatic assignment skips: net.ipv4.ip_local_reserved_ports on Linux, the
    // excluded port ranges (`netsh int ipv4 show excludedportrange`) on Windows. Empty when
    // none or unknown.
    std::vector<PortRange> reserved;
    // net.ipv4.tcp_tw_reuse (0 off, 1 on, 2 loopback only) and net.ipv4.tcp_timestamps; unset
    // when unknown (captures), and the pool model then assumes the kernel defaults (2, on).
    std::optional<std::uint8_t> tcp_tw_reuse;
    std::optional<bool> tcp_timestamps;
    // Windows: the TcpTimedWaitDelay registry value in seconds, when the host sets one (unset:
    // the generation's default applies).
    std::optional<std::uint32_t> time_wait_delay;
};

// Windows: a Tcpip event of the System log that proves exhaustion happened (4227: a local
// endpoint reused too soon; 4231: the global TCP port space used up).
struct TcpipEvent {
    std::uint32_t id = 0;
    std::chrono::system_clock::time_point at;
};

// Windows: a process by its handle count (handle leaks drain non-paged pool).
struct HandleHolder {
    std::int32_t pid = 0;
    std::string name;
    std::uint32_t handles = 0;
};

// What a Windows host says about itself beyond its sockets, read live.
struct WindowsFacts {
    std::string version;  // "10.0.20348"
    // Tcpip 4227/4231 events of the last `event_hours`, oldest first; unset when the System
    // log could not be read (`events_error` says why).
    std::optional<std::vector<TcpipEvent>> tcpip_events;
    std::uint32_t event_hours = 24;
    std::string events_error;
    // GetPerformanceInfo: non-paged pool and physical memory, in bytes; the handles of all
    // processes.
    std::optional<std::uint64_t> nonpaged_pool_bytes;
    std::optional<std::uint64_t> physical_memory_bytes;
    std::optional<std::uint64_t> handle_count;
    std::vector<HandleHolder> top_handles;  // most handles first
};

// Neighbouring limits and counters of one network namespace (some are host-wide), read live
// by collect/linux/host_facts.h. Every field is optional: what could not be read stays unset.
struct HostFacts {
    std::string kernel_release;
    std::optional<bool> ip_autobind_reuse;
    std::optional<std::uint64_t> tcp_max_tw_buckets;
    std::optional<std::uint64_t> tcp_max_orphans;         // host-wide
    std::optional<std::array<std::uint64_t, 3>> tcp_mem;  // pages: min, pressure, max
    // /proc/net/sockstat(6)
    std::optional<std::uint64_t> tcp_inuse, tcp6_inuse, udp_inuse, udp6_inuse;
    std::optional<std::uint64_t> tcp_orphan;     // host-wide
    std::optional<std::uint64_t> tcp_tw;         // this netns, v4 and v6 together
    std::optional<std::uint64_t> tcp_mem_pages;  // host-wide
    // /proc/net/netstat TcpExt (since boot or namespace creation)
    std::optional<std::uint64_t> tw_overflow;       // TCPTimeWaitOverflow
    std::optional<std::uint64_t> tw_recycled;       // TWRecycled (TIME_WAIT reused by connect)
    std::optional<std::uint64_t> tw_killed;         // TWKilled
    std::optional<std::uint64_t> abort_on_memory;   // TCPAbortOnMemory
    std::optional<std::uint64_t> memory_pressures;  // TCPMemoryPressures
    // net.netfilter.nf_conntrack_count / _max (absent without the conntrack module)
    std::optional<std::uint64_t> conntrack_count, conntrack_max;
    // fs.file-nr (allocated) and fs.file-max
    std::optional<std::uint64_t> files_allocated, file_max;
    std::optional<WindowsFacts> windows;  // Windows hosts only
};

}  // namespace portwatch::core
