#pragma once
// TCP state words as saved captures print them: netstat (Windows, in English and localized),
// net-tools, ss, PowerShell's Get-NetTCPConnection and tcpvcon.

#include <optional>
#include <string_view>

#include "core/socket.h"

namespace portwatch::capture {

// `word` is one state column, possibly of several words ("IN ASCOLTO"), already UTF-8.
// Case-insensitive for ASCII; '-' and '_' are interchangeable. nullopt: not a state word.
std::optional<core::TcpState> parse_state_word(std::string_view word);

// True for the words a UDP row may carry in its state column (none, or a connected state).
bool is_udp_state_word(std::string_view word);

}  // namespace portwatch::capture
