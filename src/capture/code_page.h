#pragma once
// The OEM code pages a Windows console writes when its output is redirected to a file
// (netstat prints in the console code page: a German "ABHÖREN" arrives as the byte 0x99).

#include <cstdint>
#include <string>
#include <string_view>

namespace portwatch::capture {

enum class LegacyCodePage : std::uint8_t { Cp850, Cp437, Cp1252 };

// True when `text` is well-formed UTF-8 (ASCII included).
bool is_utf8(std::string_view text);

// Appends `text`, read as single bytes of `page`, to `out` as UTF-8.
void append_legacy_as_utf8(std::string_view text, LegacyCodePage page, std::string& out);

// Appends the code point `cp` to `out` as UTF-8 (U+FFFD for surrogates and > U+10FFFF).
void append_utf8(char32_t cp, std::string& out);

}  // namespace portwatch::capture
