#pragma once
// Windows `netstat -an[o][b][q]` rows and the owner lines -b prints after them.
//
//   TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712
//   UDP    [fe80::d8df:ceee:28ba:aad%14]:1900  *:*                       8844
//   TCP    10.1.1.99:6556         10.1.1.50:43257        WARTEND
//   TCP    127.0.0.1:49666        127.0.0.1:49667        IN ASCOLTO      5168
// Columns are found from the row, not the header: whitespace-split, proto, local, foreign,
// then the state (zero or more words: UDP has none, Italian has two) and a trailing all-digit
// token, which is the PID.

#include <cstdint>
#include <string_view>

#include "capture/row.h"

namespace portwatch::capture {

RowResult parse_windows_netstat_row(std::string_view line, Row& row);

enum class OwnerLineKind : std::uint8_t {
    Executable,   // " [svchost.exe]"       -> text is "svchost.exe"
    Service,      // "  RpcSs"              -> text is "RpcSs"
    Component,    // "  c:\windows\system32\WS2_32.dll", "-- unknown component(s) --" (XP -v)
    Unavailable,  // " Can not obtain ownership information" and its translations
};

struct OwnerLine {
    OwnerLineKind kind;
    std::string_view text;
};

// Classifies a non-row, non-blank line that follows a row. Only called for lines that start
// with whitespace or '[' (the owner lines always do).
OwnerLine classify_owner_line(std::string_view line);

// "The requested operation requires elevation." and its translations: netstat -b run from a
// prompt that was not elevated.
bool is_elevation_refusal(std::string_view line);

}  // namespace portwatch::capture
