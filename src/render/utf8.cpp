#include "render/utf8.h"

#include <algorithm>

namespace portwatch::render {

std::size_t utf8_sequence_length(std::string_view text) {
    if (text.empty()) {
        return 0;
    }
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char c = b(0);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;  // overlong
        if (c == 0xED)
            hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;  // overlong
        if (c == 0xF4)
            hi = 0x8F;  // > U+10FFFF
    } else {
        return 0;
    }
    if (text.size() < n || b(1) < lo || b(1) > hi) {
        return 0;
    }
    for (std::size_t i = 2; i < n; ++i) {
        if (b(i) < 0x80 || b(i) > 0xBF) {
            return 0;
        }
    }
    return n;
}

namespace {

// The code point of a well-formed sequence of `n` bytes.
char32_t decode(std::string_view seq, std::size_t n) {
    auto b = [&](std::size_t i) {
        return static_cast<char32_t>(static_cast<unsigned char>(seq[i]));
    };
    switch (n) {
        case 2:
            return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
        case 3:
            return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
        default:
            return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
    }
}

// Unicode's format characters (general category Cf, Unicode 15) and the line and paragraph
// separators (Zl, Zp): invisible, yet a terminal acts on them. The bidi embeddings, overrides
// and isolates (U+202A-202E, U+2066-2069) and marks (U+200E/200F, U+061C) reorder what follows
// them, so "evil" U+202E "gnp.exe" shows as "evilexe.png"; U+2028/2029 break lines; zero-width
// characters (U+200B-200D, U+2060, U+FEFF) and the soft hyphen make two names look alike.
bool acts_on_terminal(char32_t c) {
    struct Span {
        char32_t low, high;
    };
    static constexpr Span kSpans[] = {
        {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
        {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
        {0x200B, 0x200F},   {0x2028, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
        {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
        {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
        {0xE0020, 0xE007F},
    };
    for (const auto& s : kSpans) {
        if (c < s.low) {
            return false;
        }
        if (c <= s.high) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
    // Most text (addresses, ports, process names) is printable ASCII: copied as it is.
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return c >= 0x20 && c < 0x7F && c != '\\'; })) {
        return std::string(text);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    auto escape_byte = [&](unsigned char c) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    };
    auto escape_code_point = [&](char32_t c) {
        int digits = c > 0xFFFF ? 8 : 4;
        out += c > 0xFFFF ? "\\U" : "\\u";
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out += kHex[(c >> shift) & 15];
        }
    };
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F) {
            if (c == '\\') {
                out += '\\';  // so that "\\x1b" in a name never reads as an escaped ESC
            }
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c < 0x80) {
            if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else if (c == '\r') {
                out += "\\r";
            } else {
                escape_byte(c);
            }
            ++i;
            continue;
        }
        std::size_t n = utf8_sequence_length(text.substr(i));
        if (n == 0) {
            escape_byte(c);
            ++i;
            continue;
        }
        // C1 controls U+0080..U+009F are C2 80..C2 9F: a terminal may act on them (CSI).
        if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            escape_byte(c);
            escape_byte(static_cast<unsigned char>(text[i + 1]));
            i += 2;
            continue;
        }
        if (char32_t cp = decode(text.substr(i), n); acts_on_terminal(cp)) {
            escape_code_point(cp);
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

std::string escape_separator(std::string_view safe_text, char separator) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(safe_text.size());
    for (char c : safe_text) {
        if (c == separator) {
            out += "\\x";
            out += kHex[static_cast<unsigned char>(c) >> 4];
            out += kHex[static_cast<unsigned char>(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

std::size_t display_width(std::string_view safe_text) {
    std::size_t width = 0;
    for (char c : safe_text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++width;
        }
    }
    return width;
}

}  // namespace portwatch::render
