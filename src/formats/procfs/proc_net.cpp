#include "formats/procfs/proc_net.h"

#include <array>
#include <charconv>
#include <string>

namespace portwatch::formats {

namespace {

// Splits on runs of spaces/tabs; returns how many fields were found (at most N).
template <std::size_t N>
std::size_t split_fields(std::string_view line, std::array<std::string_view, N>& out) {
    std::size_t count = 0;
    std::size_t i = 0;
    while (count < N) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            ++i;
        }
        if (i == line.size()) {
            break;
        }
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            ++i;
        }
        out[count++] = line.substr(start, i - start);
    }
    return count;
}

template <typename T>
bool hex(std::string_view text, T& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
    return ec == std::errc{} && p == text.data() + text.size();
}

template <typename T>
bool dec(std::string_view text, T& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size();
}

// "0100007F:1F90" or 32 hex digits + ":" + port.
bool parse_endpoint(std::string_view text, core::Endpoint& out, bool& v6) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    std::string_view addr = text.substr(0, colon);
    std::uint16_t port = 0;
    if (!hex(text.substr(colon + 1), port)) {
        return false;
    }
    std::uint8_t bytes[16];
    if (addr.size() != 8 && addr.size() != 32) {
        return false;
    }
    for (std::size_t w = 0; w < addr.size() / 8; ++w) {
        std::uint32_t word = 0;
        if (!hex(addr.substr(w * 8, 8), word)) {
            return false;
        }
        for (int b = 0; b < 4; ++b) {
            bytes[w * 4 + b] = static_cast<std::uint8_t>(word >> (8 * b));
        }
    }
    v6 = addr.size() == 32;
    out.address = v6 ? core::IpAddress::v6_bytes(bytes) : core::IpAddress::v4_bytes(bytes);
    out.port = port;
    return true;
}

}  // namespace

Result<core::Socket> parse_proc_net_line(std::string_view line, core::Protocol protocol) {
    std::array<std::string_view, 10> f;
    if (split_fields(line, f) < 10 || !f[0].ends_with(':')) {
        return make_error(
            "expected 'sl: local remote st tx:rx tr:when retrnsmt uid timeout inode'");
    }
    core::Socket s;
    s.protocol = protocol;
    bool local_v6 = false, remote_v6 = false;
    if (!parse_endpoint(f[1], s.local, local_v6) || !parse_endpoint(f[2], s.remote, remote_v6) ||
        local_v6 != remote_v6) {
        return make_error("expected hexadecimal ADDRESS:PORT pairs, got '" + std::string(f[1]) +
                          "' '" + std::string(f[2]) + "'");
    }
    unsigned st = 0;
    if (!hex(f[3], st) || st == 0 || st > 13) {
        return make_error("expected a state code 01..0D, got '" + std::string(f[3]) + "'");
    }
    auto state = static_cast<core::TcpState>(st);
    if (protocol == core::Protocol::Tcp && state == core::TcpState::NewSynRecv) {
        state = core::TcpState::SynRecv;
    }
    s.state = state;
    auto queues = f[4].find(':');
    auto timer = f[5].find(':');
    unsigned tr = 0;
    unsigned long when = 0;
    if (queues == std::string_view::npos || timer == std::string_view::npos ||
        !hex(f[4].substr(0, queues), s.wqueue) || !hex(f[4].substr(queues + 1), s.rqueue) ||
        !hex(f[5].substr(0, timer), tr) || !hex(f[5].substr(timer + 1), when)) {
        return make_error("expected tx_queue:rx_queue and tr:tm->when in hexadecimal");
    }
    s.timer = static_cast<core::TimerKind>(tr <= 4 ? tr : 0);
    s.expires_ms = static_cast<std::uint32_t>(when * 10);  // clock ticks, USER_HZ = 100
    std::uint32_t uid = 0;
    if (!dec(f[7], uid) || !dec(f[9], s.inode)) {
        return make_error("expected decimal uid and inode, got '" + std::string(f[7]) + "' '" +
                          std::string(f[9]) + "'");
    }
    if (s.inode != 0 || state == core::TcpState::Listen) {
        s.uid = uid;
    }
    return s;
}

Result<std::vector<core::Socket>> parse_proc_net(std::string_view text, core::Protocol protocol) {
    std::vector<core::Socket> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        if (line_no == 1 && line.find("local_address") != std::string_view::npos) {
            continue;
        }
        auto socket = parse_proc_net_line(line, protocol);
        if (!socket) {
            return make_error("line " + std::to_string(line_no) + ": " + socket.error().message);
        }
        out.push_back(std::move(*socket));
    }
    return out;
}

}  // namespace portwatch::formats
