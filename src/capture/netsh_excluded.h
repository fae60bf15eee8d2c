#pragma once
// `netsh int ipv4 show excludedportrange protocol=tcp|udp` (any language):
//
//   Protocol tcp Port Exclusion Ranges
//
//   Start Port    End Port
//   ----------    --------
//        50000       50059     *
//
//   * - Administered port exclusions.
//
// The rows are the lines after the dashes that hold two port numbers (an optional `*`
// marks an administered exclusion); the title and the footnote are localized and ignored.

#include <string_view>
#include <vector>

#include "core/host_config.h"
#include "core/result.h"

namespace portwatch::capture {

struct ExcludedRanges {
    std::vector<core::PortRange> ranges;  // in the order printed
    std::uint32_t administered = 0;       // rows marked `*`
};

// The ranges of one protocol's output. An error when the text has no dashes line (not that
// output, or netsh failed: its message is quoted) or a row makes no range.
Result<ExcludedRanges> parse_netsh_excluded(std::string_view text);

}  // namespace portwatch::capture
