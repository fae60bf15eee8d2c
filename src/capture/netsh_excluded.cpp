#include "capture/netsh_excluded.h"

#include "capture/tokens.h"

namespace portwatch::capture {

Result<ExcludedRanges> parse_netsh_excluded(std::string_view text) {
    ExcludedRanges out;
    bool rows = false;
    std::string_view first_line;
    while (!text.empty()) {
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        std::string_view t = trim(line);
        if (first_line.empty() && !t.empty()) {
            first_line = t;
        }
        if (!rows) {
            rows = !t.empty() && t.find_first_not_of("- ") == std::string_view::npos &&
                   t.find('-') != std::string_view::npos;
            continue;
        }
        auto f = split_fields<4>(t);
        if (f.size < 2 || f.total > 3) {
            continue;  // blank lines, the footnote
        }
        std::uint32_t low = 0, high = 0;
        if (!parse_decimal(f.at[0], low) || !parse_decimal(f.at[1], high)) {
            continue;
        }
        if (f.total == 3 && f.at[2] != "*") {
            continue;
        }
        if (low == 0 || low > high || high > 65535) {
            return make_error("excluded port range " + std::to_string(low) + "-" +
                              std::to_string(high) + " is not a port range");
        }
        out.ranges.push_back({static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high)});
        out.administered += f.total == 3 ? 1u : 0u;
    }
    if (!rows) {
        return make_error("not a netsh excludedportrange output" +
                          (first_line.empty()
                               ? std::string(" (empty)")
                               : ": '" + std::string(first_line.substr(0, 120)) + "'"));
    }
    return out;
}

}  // namespace portwatch::capture
