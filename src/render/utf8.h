#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace portwatch::render {

// Length of the well-formed UTF-8 sequence at the start of `text` (1..4), or 0 when the bytes
// there are not one (stray continuation, overlong form, surrogate, past U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view text);

// Text safe to print on a terminal or in one table cell/CSV field, and never mistaken for
// other text: control characters (C0, DEL, C1: newline and ESC included) become \n, \t, \r or
// \xNN, bytes that are not UTF-8 become \xNN, Unicode format characters a terminal acts on
// (bidi overrides and isolates, line and paragraph separators, zero-width characters: Cf, Zl,
// Zp) become \uNNNN or \UNNNNNNNN, and a backslash becomes \\. Printable UTF-8 passes through.
std::string terminal_safe(std::string_view text);

// `safe_text` (terminal_safe output) with every `separator` written as \xNN, so that a name
// holding the separator of a list stays one item: "a,b" in a ','-list is "a\x2cb".
std::string escape_separator(std::string_view safe_text, char separator);

// Display width in columns: one per code point (wide CJK forms are rare in process names).
std::size_t display_width(std::string_view safe_text);

}  // namespace portwatch::render
