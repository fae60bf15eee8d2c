#pragma once
// The one definition of whitespace and trimming every parser uses.

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

}  // namespace portwatch::core
