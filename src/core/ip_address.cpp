#include "core/ip_address.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace portwatch::core {

IpAddress IpAddress::v4(std::uint32_t host_order) {
    IpAddress a;
    a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes_[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

IpAddress IpAddress::v4_bytes(const std::uint8_t bytes[4]) {
    IpAddress a;
    std::copy_n(bytes, 4, a.bytes_.begin());
    return a;
}

IpAddress IpAddress::v6_bytes(const std::uint8_t bytes[16], std::uint32_t scope_id) {
    IpAddress a;
    a.family_ = Family::Ipv6;
    std::copy_n(bytes, 16, a.bytes_.begin());
    a.scope_id_ = scope_id;
    return a;
}

IpAddress IpAddress::any(Family family) {
    IpAddress a;
    a.family_ = family;
    return a;
}

namespace {

// Pure, platform-free text forms (core includes no OS headers; the Windows build shares it).

bool parse_v4(std::string_view text, std::uint8_t out[4]) {
    int part = 0;
    const char* p = text.data();
    const char* end = p + text.size();
    while (part < 4) {
        unsigned value = 0;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc{} || value > 255 || next - p > 3) {
            return false;
        }
        out[part++] = static_cast<std::uint8_t>(value);
        p = next;
        if (part < 4) {
            if (p == end || *p != '.') {
                return false;
            }
            ++p;
        }
    }
    return p == end;
}

bool parse_v6(std::string_view text, std::uint8_t out[16]) {
    std::uint16_t words[8] = {};
    int count = 0;
    int gap = -1;  // index in words where "::" stands
    std::size_t i = 0;
    if (text.starts_with("::")) {
        gap = 0;
        i = 2;
        if (text.size() == 2) {
            std::fill_n(out, 16, 0);
            return true;
        }
    } else if (text.starts_with(":")) {
        return false;
    }
    while (i < text.size()) {
        if (count == 8) {
            return false;
        }
        std::string_view rest = text.substr(i);
        std::size_t colon = rest.find(':');
        std::string_view piece = rest.substr(0, colon);
        if (piece.find('.') != std::string_view::npos) {  // trailing dotted quad
            if (colon != std::string_view::npos || count > 6) {
                return false;
            }
            std::uint8_t q[4];
            if (!parse_v4(piece, q)) {
                return false;
            }
            words[count++] = static_cast<std::uint16_t>(q[0] << 8 | q[1]);
            words[count++] = static_cast<std::uint16_t>(q[2] << 8 | q[3]);
            i = text.size();
            break;
        }
        if (piece.empty() || piece.size() > 4) {
            return false;
        }
        unsigned value = 0;
        auto [next, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), value, 16);
        if (ec != std::errc{} || next != piece.data() + piece.size()) {
            return false;
        }
        words[count++] = static_cast<std::uint16_t>(value);
        if (colon == std::string_view::npos) {
            i = text.size();
            break;
        }
        i += colon + 1;
        if (i < text.size() && text[i] == ':') {
            if (gap >= 0) {
                return false;
            }
            gap = count;
            ++i;
        } else if (i == text.size()) {
            return false;  // trailing single colon
        }
    }
    if (gap < 0 && count != 8) {
        return false;
    }
    if (gap >= 0 && count > 7) {
        return false;
    }
    std::uint16_t full[8] = {};
    if (gap < 0) {
        std::copy_n(words, 8, full);
    } else {
        std::copy_n(words, gap, full);
        int tail = count - gap;
        std::copy_n(words + gap, tail, full + 8 - tail);
    }
    for (int w = 0; w < 8; ++w) {
        out[2 * w] = static_cast<std::uint8_t>(full[w] >> 8);
        out[2 * w + 1] = static_cast<std::uint8_t>(full[w]);
    }
    return true;
}

void append_v4(std::string& out, const std::uint8_t* b) {
    for (int i = 0; i < 4; ++i) {
        unsigned v = b[i];
        if (v >= 100) {
            out += static_cast<char>('0' + v / 100);
        }
        if (v >= 10) {
            out += static_cast<char>('0' + v / 10 % 10);
        }
        out += static_cast<char>('0' + v % 10);
        if (i < 3) {
            out += '.';
        }
    }
}

// RFC 5952: lower-case hex, the longest run (>= 2) of zero words as "::", the leftmost on a
// tie, and ::ffff:a.b.c.d for v4-mapped addresses (as inet_ntop and ss print them).
void append_v6(std::string& out, const std::array<std::uint8_t, 16>& b, bool v4_mapped) {
    if (v4_mapped) {
        out += "::ffff:";
        append_v4(out, b.data() + 12);
        return;
    }
    std::uint16_t w[8];
    for (int i = 0; i < 8; ++i) {
        w[i] = static_cast<std::uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
    }
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0) {
            ++j;
        }
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best == 0 && best_len == 6) {  // deprecated v4-compatible form, printed as glibc does
        out += "::";
        append_v4(out, b.data() + 12);
        return;
    }
    char buf[8];
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len) {
            out += ':';
        }
        auto r = std::to_chars(buf, buf + sizeof buf, w[i], 16);
        out.append(buf, r.ptr);
    }
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() > 63) {
        return std::nullopt;
    }
    std::uint32_t scope = 0;
    if (auto pct = text.find('%'); pct != std::string_view::npos) {
        std::string_view zone = text.substr(pct + 1);
        auto [p, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), scope);
        if (ec != std::errc{} || p != zone.data() + zone.size()) {
            return std::nullopt;
        }
        text = text.substr(0, pct);
    }
    std::uint8_t raw[16];
    if (text.find(':') == std::string_view::npos) {
        if (scope != 0 || !parse_v4(text, raw)) {
            return std::nullopt;
        }
        return v4_bytes(raw);
    }
    if (!parse_v6(text, raw)) {
        return std::nullopt;
    }
    return v6_bytes(raw, scope);
}

bool IpAddress::is_unspecified() const {
    std::size_t n = is_v4() ? 4 : 16;
    return std::all_of(bytes_.begin(), bytes_.begin() + n, [](auto b) { return b == 0; });
}

bool IpAddress::is_v4_mapped() const {
    if (is_v4()) {
        return false;
    }
    static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::equal(kPrefix, kPrefix + 12, bytes_.begin());
}

bool IpAddress::is_loopback() const {
    if (is_v4()) {
        return bytes_[0] == 127;
    }
    if (is_v4_mapped()) {
        return bytes_[12] == 127;
    }
    static constexpr std::uint8_t kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(kOne, kOne + 16, bytes_.begin());
}

IpAddress IpAddress::normalized() const {
    if (!is_v4_mapped()) {
        return *this;
    }
    return v4_bytes(bytes_.data() + 12);
}

std::string IpAddress::to_string() const {
    std::string out;
    out.reserve(is_v4() ? 15 : 39);
    append_to(out);
    return out;
}

void IpAddress::append_to(std::string& out) const {
    if (is_v4()) {
        append_v4(out, bytes_.data());
        return;
    }
    append_v6(out, bytes_, is_v4_mapped());
    if (scope_id_ != 0) {
        out += '%';
        out += std::to_string(scope_id_);
    }
}

}  // namespace portwatch::core
