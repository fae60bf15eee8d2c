#include "formats/procfs/kernel_counters.h"

#include <charconv>
#include <optional>

#include "core/text.h"

namespace portwatch::formats {

namespace {

using core::is_space;
using core::trim;

// Splits on blanks.
std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i]))
            ++i;
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j]))
            ++j;
        if (j > i)
            out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return v;
}

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace

Result<std::uint64_t> parse_sysctl_number(std::string_view text) {
    auto v = number(trim(text));
    if (!v) {
        return make_error("not a number: '" + std::string(trim(text).substr(0, 40)) + "'");
    }
    return *v;
}

Result<core::PortRange> parse_sysctl_port_range(std::string_view text) {
    auto w = words(text);
    if (w.size() != 2) {
        return make_error("port range: expected two numbers");
    }
    auto lo = number(w[0]), hi = number(w[1]);
    if (!lo || !hi || *hi > 65535 || *lo > *hi) {
        return make_error("port range: bad numbers");
    }
    return core::PortRange{static_cast<std::uint16_t>(*lo), static_cast<std::uint16_t>(*hi)};
}

Result<std::vector<core::PortRange>> parse_reserved_ports(std::string_view text) {
    std::vector<core::PortRange> out;
    text = trim(text);
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item.empty())
            continue;
        auto dash = item.find('-');
        auto lo = number(item.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : number(item.substr(dash + 1));
        if (!lo || !hi || *hi > 65535 || *lo > *hi) {
            return make_error("reserved ports: bad item '" + std::string(item) + "'");
        }
        out.push_back({static_cast<std::uint16_t>(*lo), static_cast<std::uint16_t>(*hi)});
    }
    return out;
}

Result<std::array<std::uint64_t, 3>> parse_number_triple(std::string_view text) {
    auto w = words(text);
    std::array<std::uint64_t, 3> out{};
    if (w.size() != 3) {
        return make_error("expected three numbers");
    }
    for (std::size_t i = 0; i < 3; ++i) {
        auto v = number(w[i]);
        if (!v)
            return make_error("expected three numbers");
        out[i] = *v;
    }
    return out;
}

Result<std::uint64_t> parse_file_nr(std::string_view text) {
    auto w = words(text);
    if (w.size() < 1) {
        return make_error("file-nr: empty");
    }
    auto v = number(w[0]);
    if (!v)
        return make_error("file-nr: bad number");
    return *v;
}

void apply_sockstat(std::string_view text, core::HostFacts& f) {
    for (auto line : lines(text)) {
        auto w = words(line);
        if (w.empty())
            continue;
        auto field = [&](std::string_view name) -> std::optional<std::uint64_t> {
            for (std::size_t i = 1; i + 1 < w.size(); i += 2) {
                if (w[i] == name)
                    return number(w[i + 1]);
            }
            return std::nullopt;
        };
        if (w[0] == "TCP:") {
            f.tcp_inuse = field("inuse");
            f.tcp_orphan = field("orphan");
            f.tcp_tw = field("tw");
            f.tcp_mem_pages = field("mem");
        } else if (w[0] == "UDP:") {
            f.udp_inuse = field("inuse");
        } else if (w[0] == "TCP6:") {
            f.tcp6_inuse = field("inuse");
        } else if (w[0] == "UDP6:") {
            f.udp6_inuse = field("inuse");
        }
    }
}

Result<void> apply_netstat(std::string_view text, core::HostFacts& f) {
    auto ls = lines(text);
    for (std::size_t i = 0; i + 1 < ls.size(); ++i) {
        auto names = words(ls[i]);
        auto values = words(ls[i + 1]);
        if (names.empty() || names[0] != "TcpExt:" || values.empty() || values[0] != "TcpExt:") {
            continue;
        }
        if (names.size() != values.size()) {
            return make_error("netstat: TcpExt header and values differ in length");
        }
        for (std::size_t k = 1; k < names.size(); ++k) {
            auto v = number(values[k]);
            if (!v)
                return make_error("netstat: bad value for " + std::string(names[k]));
            if (names[k] == "TCPTimeWaitOverflow")
                f.tw_overflow = v;
            else if (names[k] == "TWRecycled")
                f.tw_recycled = v;
            else if (names[k] == "TWKilled")
                f.tw_killed = v;
            else if (names[k] == "TCPAbortOnMemory")
                f.abort_on_memory = v;
            else if (names[k] == "TCPMemoryPressures")
                f.memory_pressures = v;
        }
        return {};
    }
    return make_error("netstat: no TcpExt section");
}

}  // namespace portwatch::formats
