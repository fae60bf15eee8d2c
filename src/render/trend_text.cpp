#include "render/trend_text.h"

#include <fmt/format.h>

#include "render/snapshot_renderer.h"
#include "render/utf8.h"

namespace portwatch::render {

void render_trend_text(std::ostream& out, const analyze::Trend& t, std::size_t captures,
                       const std::function<TrendCapture(std::size_t)>& capture) {
    out << fmt::format("Trend over {} captures, {} to {}:\n", t.captures, iso_time(t.from),
                       iso_time(t.to));
    for (std::size_t i = 0; i < captures; ++i) {
        auto s = capture(i);
        out << fmt::format("  {}  {}  (time from {})\n", iso_time(s.taken_at),
                           terminal_safe(s.label), s.time_origin);
    }
    out << fmt::format("  pool {}: {} -> {} of {} ports used, {:+.0f} ports/hour\n", t.pool_text,
                       t.used_first, t.used_last, t.size, t.used_per_hour);
    if (t.hours_left) {
        auto when = t.to + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                               std::chrono::duration<double, std::ratio<3600>>(*t.hours_left));
        out << fmt::format("  forecast: no free port in about {:.1f} h (around {}) at this rate\n",
                           *t.hours_left, iso_time(when));
    } else {
        out << "  forecast: usage is not growing; no exhaustion at this rate\n";
    }
    for (const auto& p : t.processes) {
        std::string who = p.pid == 0 ? std::string("(no owner found)")
                                     : terminal_safe(core::name_with_pid(p.name, p.pid));
        out << fmt::format("    {:<36} {:>6} -> {:<6} {:+.0f}/h\n", who.substr(0, 36), p.first,
                           p.last, p.per_hour);
    }
}

void write_trend_json(JsonWriter& j, const analyze::Trend& t) {
    j.begin_object();
    j.key("pool").value(t.pool_text);
    j.key("from").value(iso_time(t.from));
    j.key("to").value(iso_time(t.to));
    j.key("captures").value(static_cast<std::uint64_t>(t.captures));
    j.key("size").value(t.size);
    j.key("used_first").value(t.used_first);
    j.key("used_last").value(t.used_last);
    j.key("used_per_hour").value(t.used_per_hour);
    j.key("hours_left");
    if (t.hours_left) {
        j.value(*t.hours_left);
    } else {
        j.null();
    }
    j.key("processes").begin_array();
    for (const auto& p : t.processes) {
        j.begin_object();
        j.key("pid").value(p.pid);
        j.key("name").value(p.name);
        j.key("first").value(p.first);
        j.key("last").value(p.last);
        j.key("per_hour").value(p.per_hour);
        j.end_object();
    }
    j.end_array();
    j.end_object();
}

}  // namespace portwatch::render
