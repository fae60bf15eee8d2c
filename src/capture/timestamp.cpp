#include <chrono>

#include "capture/capture.h"
#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

bool take_number(std::string_view& text, std::size_t digits, int& out) {
    if (text.size() < digits || !all_digits(text.substr(0, digits))) {
        return false;
    }
    parse_decimal(text.substr(0, digits), out);
    text.remove_prefix(digits);
    return true;
}

bool take_char(std::string_view& text, char c) {
    if (text.empty() || text.front() != c) {
        return false;
    }
    text.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
    using namespace std::chrono;
    text = trim(text);
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!take_number(text, 4, y) || !take_char(text, '-') || !take_number(text, 2, mo) ||
        !take_char(text, '-') || !take_number(text, 2, d)) {
        return std::nullopt;
    }
    if (!take_char(text, 'T') && !take_char(text, ' ')) {
        return std::nullopt;
    }
    if (!take_number(text, 2, h) || !take_char(text, ':') || !take_number(text, 2, mi)) {
        return std::nullopt;
    }
    if (take_char(text, ':') && !take_number(text, 2, s)) {
        return std::nullopt;
    }
    if (take_char(text, '.') || take_char(text, ',')) {  // fractions are dropped
        while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
            text.remove_prefix(1);
        }
    }
    text = trim(text);
    int offset_minutes = 0;
    if (text == "Z" || text == "UTC" || text.empty()) {
        // UTC
    } else if (text.front() == '+' || text.front() == '-') {
        int sign = text.front() == '-' ? -1 : 1;
        text.remove_prefix(1);
        int oh = 0, om = 0;
        if (!take_number(text, 2, oh)) {
            return std::nullopt;
        }
        take_char(text, ':');
        if (!text.empty() && !take_number(text, 2, om)) {
            return std::nullopt;
        }
        if (!text.empty() || oh > 14 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} - minutes{offset_minutes};
    // system_clock counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. A time outside
    // that is refused, not wrapped around into another century.
    constexpr auto kEarliest = std::chrono::ceil<seconds>(system_clock::time_point::min());
    constexpr auto kLatest = std::chrono::floor<seconds>(system_clock::time_point::max());
    if (tp < kEarliest || tp > kLatest) {
        return std::nullopt;
    }
    return time_point_cast<system_clock::duration>(tp);
}

}  // namespace portwatch::capture
