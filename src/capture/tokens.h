#pragma once
// Small text helpers shared by the capture parsers: whitespace splitting into a fixed array
// (no allocation per line), trimming, and strict decimal numbers via std::from_chars.

#include <array>
#include <charconv>
#include <cstddef>
#include <string_view>

namespace portwatch::capture {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view text) {
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

// Fields of a line split on runs of whitespace; at most N are kept, `total` counts them all
// and `rest_at` is where field N (the first one not kept) starts.
template <std::size_t N>
struct Fields {
    std::array<std::string_view, N> at{};
    std::size_t size = 0;
    std::size_t total = 0;
    std::size_t offsets[N]{};  // start of each kept field in the line
};

template <std::size_t N>
Fields<N> split_fields(std::string_view line) {
    Fields<N> f;
    std::size_t i = 0;
    const std::size_t n = line.size();
    for (;;) {
        while (i < n && is_space(line[i])) {
            ++i;
        }
        if (i == n) {
            break;
        }
        std::size_t start = i;
        while (i < n && !is_space(line[i])) {
            ++i;
        }
        if (f.size < N) {
            f.offsets[f.size] = start;
            f.at[f.size++] = line.substr(start, i - start);
        }
        ++f.total;
    }
    return f;
}

template <typename T>
bool parse_decimal(std::string_view text, T& out) {
    if (text.empty()) {
        return false;
    }
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size();
}

inline bool all_digits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) {
            return false;
        }
    }
    return true;
}

}  // namespace portwatch::capture
