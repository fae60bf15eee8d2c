#pragma once
// Which ephemeral range a capture is judged against, and where it came from (reports say it):
// --range beats a netsh dynamicport output, which beats --os, which beats the platform's
// documented default.

#include <optional>
#include <string>
#include <string_view>

#include "capture/capture.h"
#include "capture/range_inference.h"
#include "core/host_config.h"
#include "core/result.h"

namespace portwatch::capture {

enum class OsPreset : std::uint8_t { Xp, VistaPlus, Linux };

// "xp", "2003", "vista+", "vista", "2008", "win10", "linux", ... (case-insensitive).
std::optional<OsPreset> parse_os_preset(std::string_view text);
// "49152-65535", "1025-5000".
Result<core::PortRange> parse_dashed_port_range(std::string_view text);

struct RangeChoice {
    std::optional<core::PortRange> range;  // --range
    std::optional<OsPreset> os;            // --os
};

// Sets snapshot.config (platform from the format unless --os says otherwise, range, its
// source and origin) for every snapshot of `capture`. `netsh` are the dynamicport blocks found
// in any of the files analysed together, `outbound` the outbound ports of all of them
// (range_inference.h): when those do not fit a default or --os range, the range they suggest
// is used instead; when they do not fit a --range or netsh range, a warning says so.
void apply_host_config(Capture& capture, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file,
                       const OutboundPorts& outbound);
// The same with the outbound ports of `capture` alone.
void apply_host_config(Capture& capture, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file);
// The same for one snapshot as it streams in; `xp_component_chains`: its file shows XP/2003 -v
// output; `outbound`: the outbound ports of the run known so far (analyze: all regular files,
// read ahead, plus the pipe captures seen so far and this one).
void apply_host_config(CaptureSnapshot& snapshot, bool xp_component_chains,
                       const RangeChoice& choice, const std::vector<NetshRange>& netsh,
                       std::string_view netsh_file, const OutboundPorts& outbound);

}  // namespace portwatch::capture
