#include "tui/cells.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "render/utf8.h"

namespace portwatch::tui {

namespace {

// Bytes of the first `columns` code points of `safe_text` (one column each, as
// render::display_width counts them).
std::size_t prefix_bytes(std::string_view safe_text, std::size_t columns) {
    std::size_t i = 0;
    for (std::size_t n = 0; i < safe_text.size() && n < columns; ++n) {
        std::size_t len = render::utf8_sequence_length(safe_text.substr(i));
        i += len == 0 ? 1 : len;
    }
    return std::min(i, safe_text.size());
}

std::string compact(double value) {
    double a = std::fabs(value);
    if (a >= 999'500) {
        return fmt::format("{:.1f}M", value / 1e6);
    }
    if (a >= 9'999.5) {
        return fmt::format("{:.0f}k", value / 1e3);
    }
    if (a >= 999.5) {
        return fmt::format("{:.1f}k", value / 1e3);
    }
    if (a >= 9.95) {
        return fmt::format("{:.0f}", value);
    }
    std::string text = fmt::format("{:.1f}", value);
    if (text.ends_with(".0")) {
        text.resize(text.size() - 2);  // "3", not "3.0"
    }
    return text;
}

}  // namespace

std::string truncate(std::string_view safe_text, std::size_t width, bool utf8) {
    if (render::display_width(safe_text) <= width) {
        return std::string(safe_text);
    }
    if (width == 0) {
        return {};
    }
    std::string out(safe_text.substr(0, prefix_bytes(safe_text, width - 1)));
    out += utf8 ? "\u2026" : "~";
    return out;
}

std::string truncate_front(std::string_view safe_text, std::size_t width, bool utf8) {
    const std::size_t have = render::display_width(safe_text);
    if (have <= width) {
        return std::string(safe_text);
    }
    if (width == 0) {
        return {};
    }
    std::string out = utf8 ? "\u2026" : "~";
    out += safe_text.substr(prefix_bytes(safe_text, have - (width - 1)));
    return out;
}

std::string fit_left(std::string_view safe_text, std::size_t width, bool utf8) {
    std::string out = truncate(safe_text, width, utf8);
    out.append(width - render::display_width(out), ' ');
    return out;
}

std::string fit_right(std::string_view safe_text, std::size_t width, bool utf8) {
    std::string cut = truncate(safe_text, width, utf8);
    return std::string(width - render::display_width(cut), ' ') + cut;
}

std::string gauge(double fraction, std::size_t width) {
    if (width < 2) {
        return std::string(width, '[');
    }
    if (!(fraction >= 0)) {  // NaN too
        fraction = 0;
    }
    fraction = std::min(fraction, 1.0);
    const std::size_t inner = width - 2;
    std::string bar(static_cast<std::size_t>(std::lround(fraction * static_cast<double>(inner))),
                    '|');
    bar.resize(inner, ' ');
    std::string percent = fmt::format("{:.1f}%", fraction * 100);
    if (percent.size() <= inner) {
        bar.replace(inner - percent.size(), percent.size(), percent);
    }
    return "[" + bar + "]";
}

std::string sparkline(std::span<const std::uint32_t> values, std::size_t width, bool utf8,
                      std::uint32_t top) {
    static constexpr std::array<std::string_view, 8> kBlocks = {
        "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
    static constexpr std::string_view kAscii = "_.:-=+*#";
    // More values than columns: each column is the largest of its share of them, so the whole
    // history shows, peaks included.
    std::vector<std::uint32_t> columns;
    if (values.size() > width) {
        for (std::size_t c = 0; c < width; ++c) {
            std::size_t from = c * values.size() / width;
            std::size_t to = (c + 1) * values.size() / width;
            columns.push_back(*std::max_element(values.begin() + static_cast<std::ptrdiff_t>(from),
                                                values.begin() + static_cast<std::ptrdiff_t>(to)));
        }
    } else {
        columns.assign(values.begin(), values.end());
    }
    if (top == 0) {
        for (auto v : columns) {
            top = std::max(top, v);
        }
    }
    std::string out(width - columns.size(), ' ');
    for (auto v : columns) {
        std::size_t level = top == 0 ? 0
                                     : static_cast<std::size_t>(std::lround(
                                           7.0 * std::min(1.0, static_cast<double>(v) / top)));
        if (utf8) {
            out += kBlocks[level];
        } else {
            out += kAscii[level];
        }
    }
    return out;
}

std::string time_left(std::optional<double> seconds, bool utf8) {
    if (!seconds || !std::isfinite(*seconds)) {
        return utf8 ? "\u2014" : "-";
    }
    auto s = static_cast<std::int64_t>(std::max(0.0, *seconds));
    if (s < 60) {
        return fmt::format("{}s", s);
    }
    if (s < 600) {  // minutes away: the seconds still matter
        return fmt::format("{}m {}s", s / 60, s % 60);
    }
    if (s < 3600) {
        return fmt::format("{}m", s / 60);
    }
    if (s < 86400) {
        return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
    }
    if (s < 100 * 86400) {
        return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
    }
    return fmt::format("{}d", s / 86400);
}

std::string rate_per_minute(double per_minute) {
    if (!std::isfinite(per_minute) || std::fabs(per_minute) < 0.05) {
        return "0/m";
    }
    return (per_minute > 0 ? "+" : "") + compact(per_minute) + "/m";
}

std::string per_second(double value) {
    if (!std::isfinite(value) || std::fabs(value) < 0.05) {
        return "0";
    }
    return compact(value);
}

}  // namespace portwatch::tui
