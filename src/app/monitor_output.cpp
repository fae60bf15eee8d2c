#include "app/monitor_output.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "render/json_writer.h"
#include "render/snapshot_renderer.h"
#include "render/utf8.h"

namespace portwatch::app {

std::string duration_text(double seconds) {
    auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    if (s >= 86400) {
        return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
    }
    if (s >= 3600) {
        return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
    }
    if (s >= 60) {
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    }
    return fmt::format("{}s", s);
}

void write_status_text(std::ostream& out, const monitor::MonitorState& st) {
    out << render::iso_time(st.at) << ' ' << analyze::severity_name(st.verdict) << ' ' << st.source;
    if (st.pools.empty()) {
        out << " | no pool in use";
    } else {
        const auto& p = st.pools.front();
        out << " | " << p.pool << ' ' << std::lround(p.utilisation * 100) << "% " << p.used << '/'
            << p.size << ' ' << fmt::format("{:+.0f}/min", p.used_per_minute);
        if (p.seconds_left) {
            out << " dry in " << duration_text(*p.seconds_left);
        }
        if (st.pools.size() > 1) {
            out << " (+" << st.pools.size() - 1 << " pools)";
        }
    }
    for (const auto& p : st.processes) {
        if (p.pid == 0) {
            continue;  // sockets without a known owner: not a process
        }
        out << " | " << render::terminal_safe(p.name) << " (pid " << p.pid << ") " << p.ports
            << " ports";
        if (p.time_wait > 0) {
            out << ", " << p.time_wait << " TIME_WAIT (" << p.time_wait_exact << " exact)";
        }
        if (p.failures_total > 0) {
            out << ", " << p.failures_total << " failed";
        }
        break;
    }
    out << " | events " << st.events_total;
    if (st.events_lost > 0) {
        out << " (" << st.events_lost << " lost)";
    }
    if (st.failures_total > 0) {
        out << ", failed allocations " << st.failures_total;
    }
    for (const auto& w : st.warnings) {
        out << " | warning: " << render::terminal_safe(w);
    }
    out << '\n';
}

namespace {

void optional_seconds(render::JsonWriter& w, const std::optional<double>& s) {
    if (s) {
        w.value(*s);
    } else {
        w.null();
    }
}

}  // namespace

void write_status_json(std::ostream& out, const monitor::MonitorState& st, std::size_t top) {
    {
        render::JsonWriter w(out);
        w.begin_object();
        w.key("schema").value("portwatch.monitor/1");
        w.key("at").value(render::iso_time(st.at));
        w.key("source").value(st.source);
        w.key("verdict").value(analyze::severity_name(st.verdict));
        w.key("summary").value(st.summary);
        w.key("samples").value(static_cast<std::uint64_t>(st.samples));
        w.key("events").value(static_cast<std::uint64_t>(st.events_total));
        w.key("events_lost").value(static_cast<std::uint64_t>(st.events_lost));
        w.key("failures").value(static_cast<std::uint64_t>(st.failures_total));
        w.key("pools").begin_array();
        for (const auto& p : st.pools) {
            w.begin_object();
            w.key("pool").value(p.pool);
            w.key("kind").value(p.kind);
            w.key("size").value(p.size);
            w.key("used").value(p.used);
            w.key("free").value(p.free);
            w.key("utilisation").value(p.utilisation);
            w.key("severity").value(analyze::severity_name(p.severity));
            w.key("used_per_minute").value(p.used_per_minute);
            w.key("seconds_left");
            optional_seconds(w, p.seconds_left);
            w.end_object();
        }
        w.end_array();
        w.key("processes").begin_array();
        std::size_t n = 0;
        for (const auto& p : st.processes) {
            if (n++ == top) {
                break;
            }
            w.begin_object();
            w.key("pid").value(p.pid);
            w.key("name").value(p.name);
            w.key("ports").value(p.ports);
            w.key("established").value(p.established);
            w.key("time_wait").value(p.time_wait);
            w.key("time_wait_exact").value(p.time_wait_exact);
            w.key("close_wait").value(p.close_wait);
            w.key("other").value(p.other);
            w.key("accepted").value(p.accepted);
            w.key("failures").value(static_cast<std::uint64_t>(p.failures_total));
            w.key("failures_per_second").value(p.failures_per_second);
            w.key("top_destination").value(p.top_destination);
            w.key("ports_per_minute").value(p.ports_per_minute);
            w.key("seconds_left");
            optional_seconds(w, p.seconds_left);
            w.end_object();
        }
        w.end_array();
        w.key("warnings").begin_array();
        for (const auto& warning : st.warnings) {
            w.value(warning);
        }
        w.end_array();
        w.end_object();
    }
    out << '\n';
}

std::string alert_json(const monitor::Alert& a) {
    std::ostringstream out;
    {
        render::JsonWriter w(out);
        w.begin_object();
        w.key("schema").value("portwatch.alert/1");
        w.key("at").value(render::iso_time(a.at));
        w.key("kind").value(monitor::alert_kind_name(a.kind));
        w.key("pool").value(a.pool);
        w.key("pool_kind").value(a.pool_kind);
        w.key("severity").value(analyze::severity_name(a.severity));
        w.key("previous").value(analyze::severity_name(a.previous));
        w.key("size").value(a.size);
        w.key("used").value(a.used);
        w.key("free").value(a.free);
        w.key("utilisation").value(a.utilisation);
        w.key("used_per_minute").value(a.used_per_minute);
        w.key("seconds_left");
        optional_seconds(w, a.seconds_left);
        w.key("mechanism").value(a.mechanism);
        w.key("summary").value(a.summary);
        w.key("culprits").begin_array();
        for (const auto& c : a.culprits) {
            w.begin_object();
            w.key("pid").value(c.pid);
            w.key("name").value(c.name);
            w.key("sockets").value(c.sockets);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }
    out << '\n';
    return out.str();
}

}  // namespace portwatch::app
