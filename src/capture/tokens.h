#pragma once
// Small text helpers shared by the capture parsers: whitespace splitting into a fixed array
// (no allocation per line), trimming, and strict decimal numbers via std::from_chars.

#include <array>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>

#include "core/socket.h"
#include "core/text.h"

namespace portwatch::capture {

using core::is_space;
using core::trim;

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

using core::iequals;

// The protocol column of every row format, one table: netstat's TCP, UDP, TCPv6, UDPv6;
// net-tools' tcp, tcp6, udp, udp6 and UDP-Lite's udpl, udpl6; ss's tcp, udp; tcpvcon's
// TCPV6, UDPV6. Case does not matter. The family is a hint: an IPv6 table also holds
// v4-mapped addresses.
struct ProtocolWord {
    core::Protocol protocol;
    core::Family family;
};
std::optional<ProtocolWord> parse_protocol_word(std::string_view word);

}  // namespace portwatch::capture
