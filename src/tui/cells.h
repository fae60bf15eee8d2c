#pragma once
// The pieces of a `portwatch top` frame, as pure functions on numbers and terminal-safe text:
// htop-style gauges, sparklines, time left, rates, and fitting text into a column.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace portwatch::tui {

// `safe_text` (terminal_safe output) cut to `width` columns, ending in "…" ("~" without UTF-8)
// when it was longer; never longer than `width`.
std::string truncate(std::string_view safe_text, std::size_t width, bool utf8);
// The same keeping the end: "…1 -> 10.0.0.2:443" (a pool's destination is its last part).
std::string truncate_front(std::string_view safe_text, std::size_t width, bool utf8);
// Truncated, then padded with spaces to exactly `width` columns, on the right or the left.
std::string fit_left(std::string_view safe_text, std::size_t width, bool utf8);
std::string fit_right(std::string_view safe_text, std::size_t width, bool utf8);

// An htop gauge exactly `width` columns wide: "[|||||      42.0%]"; the percentage is drawn
// over the bar's right end. `fraction` is clamped to [0, 1].
std::string gauge(double fraction, std::size_t width);

// `values` (oldest first) in `width` columns, scaled to `top` (0: the largest shown):
// U+2581..U+2588 with UTF-8, "_.:-=+*#" without. Fewer values than columns are right-aligned
// (spaces where there is no value yet); more are shared out, each column the largest of its
// share, so the whole history shows. Zero (and an all-zero history) is the lowest level.
std::string sparkline(std::span<const std::uint32_t> values, std::size_t width, bool utf8,
                      std::uint32_t top = 0);

// Time to exhaustion: "45s", "1m 24s" (under 10 minutes), "12m", "3h 5m", "2d 4h"; "—" ("-" without
// UTF-8) when unset (the pool is not growing).
std::string time_left(std::optional<double> seconds, bool utf8);

// Ports per minute with a sign: "+12/m", "-3/m", "0/m", "+1.2k/m".
std::string rate_per_minute(double per_minute);

// Failures per second: "0", "0.4", "12", "1.2k".
std::string per_second(double value);

}  // namespace portwatch::tui
