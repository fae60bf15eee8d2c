#pragma once
// The one definition of whitespace, trimming and ASCII case-insensitive comparison every
// parser uses.

#include <cstddef>
#include <string_view>

namespace portwatch::core {

// Blank, tab, newline, carriage return, vertical tab, form feed (the C locale's isspace,
// without its locale and its int argument).
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::string_view trim(std::string_view text) {
    std::size_t b = 0;
    while (b < text.size() && is_space(text[b])) {
        ++b;
    }
    std::size_t e = text.size();
    while (e > b && is_space(text[e - 1])) {
        --e;
    }
    return text.substr(b, e - b);
}

// Equal but for the case of ASCII letters (header names, state words, format keywords).
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') {
            x = static_cast<char>(x - 32);
        }
        if (y >= 'a' && y <= 'z') {
            y = static_cast<char>(y - 32);
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

}  // namespace portwatch::core
