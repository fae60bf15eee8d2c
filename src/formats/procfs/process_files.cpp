#include "formats/procfs/process_files.h"

#include <array>
#include <charconv>

namespace portwatch::formats {

namespace {

template <typename T>
bool number(std::string_view text, T& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size();
}

std::string_view next_field(std::string_view& rest) {
    std::size_t i = rest.find_first_not_of(" \t");
    if (i == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(i);
    std::size_t end = rest.find_first_of(" \t\n");
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return field;
}

// The value of "Key:" lines in key-value files, or empty.
std::string_view line_after(std::string_view text, std::string_view key) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
        if (line.starts_with(key)) {
            return line.substr(key.size());
        }
        if (nl == std::string_view::npos) {
            break;
        }
        pos = nl + 1;
    }
    return {};
}

}  // namespace

std::optional<StatFields> parse_stat(std::string_view text) {
    auto open = text.find('(');
    auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    StatFields out;
    out.comm = std::string(text.substr(open + 1, close - open - 1));
    std::string_view rest = text.substr(close + 1);
    // fields after comm: 3 state, 4 ppid, ... 22 starttime
    std::array<std::string_view, 20> f;
    for (auto& field : f) {
        field = next_field(rest);
    }
    if (!number(f[1], out.ppid) || !number(f[19], out.start_ticks)) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::uint32_t> parse_status_uid(std::string_view text) {
    std::string_view rest = line_after(text, "Uid:");
    std::uint32_t uid = 0;
    if (!number(next_field(rest), uid)) {
        return std::nullopt;
    }
    return uid;
}

std::optional<std::uint64_t> parse_limits_nofile(std::string_view text) {
    std::string_view rest = line_after(text, "Max open files");
    std::uint64_t soft = 0;
    if (!number(next_field(rest), soft)) {
        return std::nullopt;
    }
    return soft;
}

std::string parse_cgroup(std::string_view text) {
    std::string_view first;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.starts_with("0::")) {
            return std::string(line.substr(3));
        }
        if (first.empty()) {
            auto second_colon = line.find(':', line.find(':') + 1);
            if (second_colon != std::string_view::npos) {
                first = line.substr(second_colon + 1);
            }
        }
    }
    return std::string(first);
}

std::string parse_cmdline(std::string_view bytes) {
    while (!bytes.empty() && bytes.back() == '\0') {
        bytes.remove_suffix(1);
    }
    std::string out(bytes);
    for (char& c : out) {
        if (c == '\0') {
            c = ' ';
        }
    }
    return out;
}

std::optional<std::int64_t> parse_boot_time(std::string_view text) {
    std::string_view rest = line_after(text, "btime ");
    std::int64_t value = 0;
    if (!number(next_field(rest), value)) {
        return std::nullopt;
    }
    return value;
}

}  // namespace portwatch::formats
