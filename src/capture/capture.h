#pragma once
// Saved captures (netstat, ss, /proc/net, PowerShell, tcpvcon, netsh output) read into
// core::Snapshots. The formats are recognised line by line, so one file may hold several
// (a netsh block appended to a netstat capture), no header at all (what findstr leaves), or
// several captures of the same host in a row (a `netstat -ano >> file` loop): each
// "Active Connections" title or "# taken at" line after socket rows starts a new snapshot.
//
// Bounded by design (docs/analyze.md): input is streamed (LineReader); a file may hold at most
// CaptureOptions::max_sockets TCP/UDP sockets in all its snapshots together (an error past
// that, naming the line); unrecognised lines are counted, and only the first few are kept as
// examples.

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/code_page.h"
#include "capture/line_reader.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::capture {

// The formats, as they are named in reports (Snapshot::source.sockets).
enum class Format : std::uint8_t {
    WindowsNetstat,   // netstat -an / -ano / -anob / -anoq / -anobq / -anbv
    NetTools,         // Linux netstat -tanp / -tunap / -aeep
    Ss,               // ss -tanp / -tuanp / -tulpen / -a
    ProcNet,          // /proc/net/tcp, tcp6, udp, udp6
    PowerShellCsv,    // Get-NetTCPConnection / Get-NetUDPEndpoint | Export-Csv
    PowerShellTable,  // the same, default table view
    Tcpvcon,          // tcpvcon -a -c -n
};
constexpr std::size_t kFormatCount = 7;

std::string_view format_name(Format format);
core::Platform format_platform(Format format);

struct CaptureOptions {
    // 200,000 sockets take about 60 MiB once parsed and 85 MiB with the diagnosis
    // (bench/capture_memory.sh), leaving room under the 128 MiB budget.
    static constexpr std::size_t kDefaultMaxSockets = 200'000;

    // Input read since the last socket row (or netsh range) before the reader gives up: a
    // device or pipe that never ends (/dev/urandom, `yes`) is an error, not an endless read.
    // Real captures have a few KiB between rows; 16 MiB leaves room for any header or log text.
    static constexpr std::uint64_t kDefaultMaxUnrecognisedBytes = 16ull << 20;

    LegacyCodePage code_page = LegacyCodePage::Cp850;
    std::size_t max_sockets = kDefaultMaxSockets;
    std::uint64_t max_unrecognised_bytes = kDefaultMaxUnrecognisedBytes;
};

// Names kept from a capture (process names, -b services, host names of named endpoints) are cut
// to this many bytes: real ones are shorter (MAX_PATH, DNS's 253), and a 64 KiB name on every
// row would multiply the memory a socket takes.
constexpr std::size_t kMaxNameBytes = 255;

struct CaptureSnapshot {
    core::Snapshot snapshot;  // sockets, processes, warnings, source; config.platform set
    std::optional<std::chrono::system_clock::time_point> taken_at;  // from "# taken at"
    std::uint64_t first_line = 0;
    std::uint32_t formats = 0;  // bit (1 << Format) for each format seen
    bool has_bound_rows = false;
    // The file showed XP/2003 -v component chains up to the end of this snapshot (for a sink
    // that judges snapshots before the file ends; Capture::xp_component_chains is the whole file).
    bool after_component_chains = false;
};

struct NetshRange {
    core::Protocol protocol;
    core::PortRange range;
    std::uint64_t line = 0;
};

struct CaptureStats {
    std::uint64_t lines = 0;
    std::uint64_t socket_rows = 0;
    std::uint64_t skipped_sockets = 0;  // unix, raw, netlink, packet
    std::uint64_t unrecognised = 0;
    std::uint64_t transcoded = 0;  // lines read in the legacy code page
    std::uint64_t bytes = 0;
};

struct Capture {
    std::string name;  // file name, or "-" for stdin
    Encoding encoding = Encoding::Utf8;
    std::vector<CaptureSnapshot> snapshots;
    std::vector<NetshRange> netsh;     // dynamicport blocks found
    bool xp_component_chains = false;  // -anbv component lines: XP/2003 netstat
    CaptureStats stats;
    std::vector<core::Warning> warnings;  // about the file as a whole
};

// Reads a whole capture from `in`. Errors (a refusal-only file, a file with nothing
// recognisable, too many sockets, too much input without a socket row, a read error) name the
// file and the line.
Result<Capture> read_capture(std::istream& in, std::string name, const CaptureOptions& options);

// The same, handing each snapshot to `sink` as soon as it ends instead of keeping it in
// Capture::snapshots (which stays empty): memory then holds one snapshot at a time, however
// many captures the file holds. An error from `sink` stops the reading and is returned.
using SnapshotSink = std::function<Result<void>(CaptureSnapshot&&)>;
Result<Capture> read_capture(std::istream& in, std::string name, const CaptureOptions& options,
                             const SnapshotSink& sink);

// The same on text in memory (tests, fuzzing).
Result<Capture> parse_capture_text(std::string_view text, std::string name,
                                   const CaptureOptions& options = {});

// "2026-11-25T19:52:30Z", "2026-11-25 19:52:30+01:00", "2026-11-25T19:52" (UTC when no
// offset is given).
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text);

}  // namespace portwatch::capture
