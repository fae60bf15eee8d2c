#include "app/analyze_trend.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "render/snapshot_renderer.h"
#include "render/utf8.h"

namespace portwatch::app {

namespace {

bool same_pool(const analyze::PoolKey& a, const analyze::PoolKey& b) {
    return a.kind == b.kind && a.family == b.family && a.local == b.local &&
           a.remote.address == b.remote.address && a.remote.port == b.remote.port;
}

const analyze::Pool* find_pool(const analyze::Report& r, const analyze::PoolKey& key) {
    for (const auto& p : r.pools) {
        if (same_pool(p.key, key)) {
            return &p;
        }
    }
    return nullptr;
}

// Least-squares slope of y over x (hours); 0 with fewer than two distinct x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
    const auto n = static_cast<double>(x.size());
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double num = 0, den = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        num += (x[i] - mx) * (y[i] - my);
        den += (x[i] - mx) * (x[i] - mx);
    }
    return den > 0 ? num / den : 0;
}

std::string pool_text(const analyze::Pool& p) {
    std::string text = std::string(analyze::pool_kind_name(p.key.kind)) + " " +
                       (p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string());
    if (p.key.kind == analyze::PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

}  // namespace

std::optional<Trend> compute_trend(std::span<const TimedReport> series) {
    if (series.size() < 2 || series.front().report->taken_at == series.back().report->taken_at) {
        return std::nullopt;
    }
    const analyze::Report& last = *series.back().report;
    if (last.pools.empty()) {
        return std::nullopt;
    }
    const analyze::Pool& worst = last.pools.front();
    Trend t;
    t.pool = worst.key;
    t.pool_text = pool_text(worst);
    t.from = series.front().report->taken_at;
    t.to = last.taken_at;
    t.captures = series.size();
    t.size = worst.size;

    std::vector<double> hours, used;
    std::map<std::int32_t, std::vector<double>> per_pid;  // sockets per capture
    std::map<std::int32_t, std::string> names;
    for (std::size_t i = 0; i < series.size(); ++i) {
        const auto& r = *series[i].report;
        double h = std::chrono::duration<double, std::ratio<3600>>(r.taken_at - t.from).count();
        hours.push_back(h);
        const analyze::Pool* p = find_pool(r, t.pool);
        double u = p ? static_cast<double>(p->size - std::min(p->free, p->size)) : 0.0;
        used.push_back(u);
        if (i == 0) {
            t.used_first = static_cast<std::uint32_t>(u);
        }
        if (p) {
            for (const auto& o : p->owners) {
                auto& v = per_pid[o.pid];
                v.resize(series.size(), 0.0);
                v[i] = o.sockets;
                if (!o.name.empty()) {
                    names[o.pid] = o.name;
                }
            }
        }
    }
    t.used_last = static_cast<std::uint32_t>(used.back());
    t.used_per_hour = slope(hours, used);
    std::uint32_t free_last = worst.free;
    if (t.used_per_hour > 0.0) {
        t.hours_left = free_last / t.used_per_hour;
    }
    for (auto& [pid, counts] : per_pid) {
        counts.resize(series.size(), 0.0);
        ProcessTrend pt;
        pt.pid = pid;
        pt.name = names[pid];
        pt.first = static_cast<std::uint32_t>(counts.front());
        pt.last = static_cast<std::uint32_t>(counts.back());
        pt.per_hour = slope(hours, counts);
        t.processes.push_back(std::move(pt));
    }
    std::sort(t.processes.begin(), t.processes.end(),
              [](const ProcessTrend& a, const ProcessTrend& b) { return a.per_hour > b.per_hour; });
    return t;
}

void render_trend_text(std::ostream& out, const Trend& t, std::span<const TimedReport> series) {
    out << fmt::format("Trend over {} captures, {} to {}:\n", t.captures, render::iso_time(t.from),
                       render::iso_time(t.to));
    for (const auto& s : series) {
        out << fmt::format("  {}  {}  (time from {})\n", render::iso_time(s.report->taken_at),
                           render::terminal_safe(s.label), s.time_origin);
    }
    out << fmt::format("  pool {}: {} -> {} of {} ports used, {:+.0f} ports/hour\n", t.pool_text,
                       t.used_first, t.used_last, t.size, t.used_per_hour);
    if (t.hours_left) {
        auto when = t.to + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                               std::chrono::duration<double, std::ratio<3600>>(*t.hours_left));
        out << fmt::format("  forecast: no free port in about {:.1f} h (around {}) at this rate\n",
                           *t.hours_left, render::iso_time(when));
    } else {
        out << "  forecast: usage is not growing; no exhaustion at this rate\n";
    }
    for (const auto& p : t.processes) {
        std::string who = p.pid == 0 ? std::string("(no owner found)")
                                     : fmt::format("{} (pid {})", render::terminal_safe(p.name), p.pid);
        out << fmt::format("    {:<36} {:>6} -> {:<6} {:+.0f}/h\n", who.substr(0, 36), p.first,
                           p.last, p.per_hour);
    }
}

}  // namespace portwatch::app
