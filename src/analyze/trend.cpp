#include "analyze/trend.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>


namespace portwatch::analyze {

namespace {

bool same_pool(const PoolKey& a, const PoolKey& b) {
    return a.kind == b.kind && a.family == b.family && a.local == b.local &&
           a.remote.address == b.remote.address && a.remote.port == b.remote.port;
}

const Pool* find_pool(const Report& r, const PoolKey& key) {
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

std::string pool_text(const Pool& p) {
    std::string text = std::string(pool_kind_name(p.key.kind)) + " " +
                       (p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string());
    if (p.key.kind == PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

}  // namespace

std::optional<Trend> compute_trend(std::span<const TimedReport> series) {
    if (series.size() < 2 || series.front().report->taken_at == series.back().report->taken_at) {
        return std::nullopt;
    }
    const Report& last = *series.back().report;
    if (last.pools.empty()) {
        return std::nullopt;
    }
    const Pool& worst = last.pools.front();
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
        const Pool* p = find_pool(r, t.pool);
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

}  // namespace portwatch::analyze
