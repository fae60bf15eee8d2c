#include "collect/windows/event_records.h"

#include <algorithm>
#include <charconv>

namespace portwatch::collect::windows {

namespace {

// The value of attribute `name` of the first element `<tag ...>`, or empty.
std::string opening(std::string_view tag) {
    std::string text(1, '<');
    text.append(tag);
    return text;
}

std::string_view attribute(std::string_view xml, std::string_view tag, std::string_view name) {
    auto at = xml.find(opening(tag));
    if (at == std::string_view::npos) {
        return {};
    }
    auto end = xml.find('>', at);
    auto element = xml.substr(at, end == std::string_view::npos ? xml.size() - at : end - at);
    std::string needle(1, ' ');
    needle.append(name);
    needle += '=';
    auto key = element.find(needle);
    if (key == std::string_view::npos) {
        return {};
    }
    auto quote_at = key + name.size() + 2;
    if (quote_at >= element.size()) {
        return {};
    }
    char quote = element[quote_at];
    auto close = element.find(quote, quote_at + 1);
    if ((quote != '\'' && quote != '"') || close == std::string_view::npos) {
        return {};
    }
    return element.substr(quote_at + 1, close - quote_at - 1);
}

// The text of the first element `<tag ...>text</tag>`, or empty.
std::string_view element_text(std::string_view xml, std::string_view tag) {
    const std::string open = opening(tag);
    auto at = xml.find(open);
    while (at != std::string_view::npos) {
        char next = at + 1 + tag.size() < xml.size() ? xml[at + 1 + tag.size()] : '\0';
        if (next == '>' || next == ' ') {
            break;
        }
        at = xml.find(open, at + 1);
    }
    if (at == std::string_view::npos) {
        return {};
    }
    auto open_end = xml.find('>', at);
    auto close = xml.find("</", open_end);
    if (open_end == std::string_view::npos || close == std::string_view::npos) {
        return {};
    }
    return xml.substr(open_end + 1, close - open_end - 1);
}

template <typename T>
bool number(std::string_view text, T& out) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::wstring tcpip_event_query(std::uint32_t hours) {
    const std::uint64_t ms = std::uint64_t{hours} * 3600 * 1000;
    return L"*[System[Provider[@Name='Tcpip'] and (EventID=4227 or EventID=4231) and "
           L"TimeCreated[timediff(@SystemTime) <= " +
           std::to_wstring(ms) + L"]]]";
}

Result<std::chrono::system_clock::time_point> parse_system_time(std::string_view t) {
    // YYYY-MM-DDTHH:MM:SS[.fffffff]Z
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t.back() != 'Z' || !number(t.substr(0, 4), y) ||
        !number(t.substr(5, 2), mo) || !number(t.substr(8, 2), d) || !number(t.substr(11, 2), h) ||
        !number(t.substr(14, 2), mi) || !number(t.substr(17, 2), s)) {
        return make_error("not an event time: '" + std::string(t) + "'");
    }
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
        return make_error("not an event time: '" + std::string(t) + "'");
    }
    system_clock::time_point at = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
    auto rest = t.substr(19, t.size() - 20);  // ".5081392" or empty
    if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() < 2) {
            return make_error("not an event time: '" + std::string(t) + "'");
        }
        auto digits = rest.substr(1, std::min<std::size_t>(rest.size() - 1, 6));
        std::uint32_t frac = 0;
        if (!number(digits, frac)) {
            return make_error("not an event time: '" + std::string(t) + "'");
        }
        for (std::size_t i = digits.size(); i < 6; ++i) {
            frac *= 10;
        }
        at += duration_cast<system_clock::duration>(microseconds{frac});
    }
    return at;
}

Result<core::TcpipEvent> parse_event_xml(std::string_view xml) {
    auto provider = attribute(xml, "Provider", "Name");
    if (!provider.empty() && provider != "Tcpip" && provider != "Microsoft-Windows-Tcpip") {
        return make_error("event from provider '" + std::string(provider) + "', not Tcpip");
    }
    core::TcpipEvent e;
    auto id = element_text(xml, "EventID");
    if (id.empty() || !number(id, e.id)) {
        return make_error("event without an EventID");
    }
    auto when = attribute(xml, "TimeCreated", "SystemTime");
    if (when.empty()) {
        return make_error("event " + std::to_string(e.id) + " without a TimeCreated");
    }
    auto at = parse_system_time(when);
    if (!at) {
        return std::unexpected(at.error());
    }
    e.at = *at;
    return e;
}

std::vector<core::TcpipEvent> events_in_window(std::vector<core::TcpipEvent> events,
                                               std::chrono::system_clock::time_point now,
                                               std::uint32_t hours) {
    const auto from = now - std::chrono::hours{hours};
    std::erase_if(events, [&](const core::TcpipEvent& e) { return e.at < from || e.at > now; });
    std::stable_sort(
        events.begin(), events.end(),
        [](const core::TcpipEvent& a, const core::TcpipEvent& b) { return a.at < b.at; });
    return events;
}

}  // namespace portwatch::collect::windows
