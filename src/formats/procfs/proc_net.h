#pragma once
// Pure parser of /proc/net/{tcp,tcp6,udp,udp6}: the fallback when sock_diag is unavailable,
// and a capture format of its own. Addresses are the kernel's host-order words, read as a
// little-endian host printed them (every host portwatch runs on).

#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/socket.h"

namespace portwatch::formats {

// One table row ("  12: 0100007F:1F90 00000000:0000 0A ..."). The family follows from the
// address width (8 hex digits: IPv4, 32: IPv6).
Result<core::Socket> parse_proc_net_line(std::string_view line, core::Protocol protocol);

// A whole table: the header line is skipped; errors name the line ("line 7: ...").
Result<std::vector<core::Socket>> parse_proc_net(std::string_view text, core::Protocol protocol);

}  // namespace portwatch::formats
