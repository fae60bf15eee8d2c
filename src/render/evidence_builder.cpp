#include "render/evidence_builder.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "analyze/findings.h"
#include "analyze/host_fact_lines.h"
#include "render/svg_chart.h"
#include "store/errno_names.h"

namespace portwatch::render {

namespace {

using analyze::Severity;

Severity severity_of(std::string_view name) {
    return name == "EXHAUSTED"  ? Severity::Exhausted
           : name == "CRITICAL" ? Severity::Critical
           : name == "WARNING"  ? Severity::Warning
                                : Severity::Ok;
}

std::string percent(double fraction) {
    return fmt::format("{:.0f} %", fraction * 100);
}

// A time left as people say it: hours when there are some, else minutes, else seconds.
std::string about(double seconds) {
    return seconds >= 3600 ? fmt::format("{:.1f} h", seconds / 3600)
           : seconds >= 60 ? fmt::format("{:.0f} min", seconds / 60)
                           : fmt::format("{:.0f} s", seconds);
}

std::string process_label(std::int32_t pid, const std::string& name) {
    if (pid == 0) {
        return name.empty() ? std::string(kNoOwner) : name;
    }
    return fmt::format("{} ({})", name.empty() ? kNoName : name, pid);
}

std::string stamp(core::TimePoint t) {
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(t));
}

// The reference lines of a pool chart: the size of the worst pool and its thresholds.
std::vector<ChartLine> pool_lines(std::uint32_t size, const analyze::Thresholds& t) {
    if (size == 0) {
        return {};
    }
    return {{static_cast<double>(size), fmt::format("size {}", size)},
            {size * t.critical, fmt::format("CRITICAL {}", percent(t.critical))},
            {size * t.warning, fmt::format("WARNING {}", percent(t.warning))}};
}

template <typename Key, typename Name>
std::vector<ChartSeries> top_series(const std::map<Key, std::vector<ChartPoint>>& all,
                                    const std::vector<Key>& order, std::size_t max_series,
                                    std::size_t max_points, Name&& name) {
    std::vector<ChartSeries> out;
    for (const auto& key : order) {
        if (out.size() == max_series) {
            break;
        }
        auto it = all.find(key);
        if (it == all.end() || it->second.empty()) {
            continue;
        }
        out.push_back({name(key), downsample(it->second, max_points)});
    }
    return out;
}

}  // namespace

std::string_view evidence_source_name(EvidenceSource source) {
    switch (source) {
        case EvidenceSource::Live:
            return "live";
        case EvidenceSource::History:
            return "history";
        case EvidenceSource::Captures:
            return "captures";
    }
    return "?";
}

bool Chart::empty() const {
    return std::all_of(series.begin(), series.end(),
                       [](const ChartSeries& s) { return s.points.empty(); });
}

std::string evidence_pool_name(const analyze::Pool& p) {
    std::string text = std::string(analyze::pool_kind_name(p.key.kind)) + " " +
                       (p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string());
    if (p.key.kind == analyze::PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

std::optional<double> slope_per_hour(std::span<const ChartPoint> points) {
    if (points.size() < 2 || points.front().at == points.back().at) {
        return std::nullopt;
    }
    const auto t0 = points.front().at;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& p : points) {
        double x = std::chrono::duration<double>(p.at - t0).count() / 3600.0;
        n += 1;
        sx += x;
        sy += p.value;
        sxx += x * x;
        sxy += x * p.value;
    }
    double d = n * sxx - sx * sx;
    if (d <= 0) {
        return std::nullopt;
    }
    return (n * sxy - sx * sy) / d;
}

EvidenceBuilder::EvidenceBuilder(EvidenceSource source, const analyze::Thresholds& thresholds,
                                 EvidenceLimits limits)
    : source_(source), thresholds_(thresholds), limits_(limits) {}

void EvidenceBuilder::add_report(const analyze::Report& report) {
    ++reports_;
    // The worst pools of each report are charted (a capture may hold 100,000 pools).
    constexpr std::size_t kPoolsPerReport = 16;
    auto insert_sorted = [](std::vector<Point>& v, Point p) {
        auto at = std::upper_bound(v.begin(), v.end(), p.at,
                                   [](core::TimePoint t, const Point& q) { return t < q.at; });
        v.insert(at, p);
    };
    for (std::size_t i = 0; i < report.pools.size() && i < kPoolsPerReport; ++i) {
        const auto& pool = report.pools[i];
        std::string name = evidence_pool_name(pool);
        pool_sizes_[name] = pool.size;
        insert_sorted(
            pool_points_[name],
            {report.taken_at, static_cast<double>(pool.size - std::min(pool.size, pool.free)),
             pool.severity});
    }
    std::map<ProcessKey, std::uint32_t> sockets;
    for (const auto& f : report.findings) {
        for (const auto& c : f.culprits) {
            sockets[{c.pid, c.name}] += c.sockets;
        }
    }
    if (sockets.empty() && !report.pools.empty()) {  // nothing wrong: the worst pool's holders
        for (const auto& o : report.pools.front().owners) {
            sockets[{o.pid, o.name}] += o.sockets;
        }
    }
    for (const auto& [key, n] : sockets) {
        insert_sorted(process_points_[key], {report.taken_at, static_cast<double>(n)});
    }
    if (!latest_ || report.taken_at >= latest_->taken_at) {
        latest_ = report;
    }
}

void EvidenceBuilder::set_trend(const analyze::Trend& trend) {
    trend_ = trend;
}

void EvidenceBuilder::set_history(store::HistorySeries series, store::HistoryAnswer answer) {
    history_ = std::move(series);
    answer_ = std::move(answer);
}

void EvidenceBuilder::add_method(std::string label, std::string value) {
    method_.push_back({std::move(label), std::move(value)});
}

Evidence EvidenceBuilder::finish(core::TimePoint now) const {
    Evidence e;
    e.source = source_;
    e.generated_at = now;
    if (history_) {
        PoolPoints pools;
        ProcessPoints processes;
        finish_history(e, pools, processes);
        finish_charts(e, pools, processes);
    } else {
        finish_reports(e);
        finish_charts(e, pool_points_, process_points_);
    }
    for (const auto& m : method_) {
        e.method.push_back(m);
    }
    e.method.push_back(
        {"thresholds", fmt::format("WARNING at {} used, CRITICAL at {}, "
                                   "EXHAUSTED when no port is free",
                                   percent(thresholds_.warning), percent(thresholds_.critical))});
    e.method.push_back({"charts", fmt::format("at most {} points per series: each span of time "
                                              "keeps its highest value",
                                              limits_.points)});
    return e;
}

// Pools, culprits and crossings over time: the same for reports and for history once the
// points are gathered.
void EvidenceBuilder::finish_charts(Evidence& e, const PoolPoints& pool_points,
                                    const ProcessPoints& process_points) const {
    // Pools: the ones in the table, in its order.
    std::map<std::string, std::vector<ChartPoint>> pools;
    for (const auto& [name, points] : pool_points) {
        auto& out = pools[name];
        for (const auto& p : points) {
            out.push_back({p.at, p.value});
        }
    }
    std::vector<std::string> order;
    for (const auto& p : e.pools) {
        order.push_back(p.name);
    }
    e.pool_chart.id = "chart-pools";
    e.pool_chart.title = "Ports used per pool";
    e.pool_chart.unit = "ports used";
    e.pool_chart.area = true;
    e.pool_chart.series = top_series(pools, order, limits_.charted, limits_.points,
                                     [](const std::string& n) { return n; });
    if (!e.pools.empty()) {
        e.pool_chart.lines = pool_lines(e.pools.front().size, thresholds_);
    }
    // Culprits, in the table's order.
    std::map<ProcessKey, std::vector<ChartPoint>> processes;
    for (const auto& [key, points] : process_points) {
        auto& out = processes[key];
        for (const auto& p : points) {
            out.push_back({p.at, p.value});
        }
    }
    std::vector<ProcessKey> culprits;
    for (const auto& c : e.culprits) {
        culprits.emplace_back(c.pid, c.name);
    }
    e.culprit_chart.id = "chart-culprits";
    e.culprit_chart.title = "Sockets held per culprit process";
    e.culprit_chart.unit = "sockets";
    e.culprit_chart.series = top_series(
        processes, culprits, limits_.charted, limits_.points,
        [](const ProcessKey& k) { return process_label(std::get<0>(k), std::get<1>(k)); });
    e.failure_chart.id = "chart-failures";
    e.failure_chart.title = "Failed port allocations per minute";
    e.failure_chart.unit = "failures/min";
    if (history_) {
        std::vector<ChartPoint> failures;
        for (const auto& f : history_->failures) {
            failures.push_back({f.at, static_cast<double>(f.count)});
        }
        if (!failures.empty()) {
            e.failure_chart.series.push_back(
                {"failed connect()/bind()", downsample(failures, limits_.points)});
        }
    }
    // The moments a pool changed severity, as the samples saw them (history: as recorded).
    if (!history_) {
        for (const auto& [name, points] : pool_points) {
            for (std::size_t i = 1; i < points.size(); ++i) {
                if (points[i].severity != points[i - 1].severity) {
                    auto size = pool_sizes_.at(name);
                    e.crossings.push_back(
                        {points[i].at, name,
                         std::string(analyze::severity_name(points[i - 1].severity)),
                         std::string(analyze::severity_name(points[i].severity)),
                         size == 0 ? 0.0 : points[i].value / size});
                }
            }
        }
        std::stable_sort(e.crossings.begin(), e.crossings.end(),
                         [](const auto& a, const auto& b) { return a.at < b.at; });
    }
    if (e.crossings.size() > limits_.rows) {
        e.more_crossings = e.crossings.size() - limits_.rows;
        e.crossings.resize(limits_.rows);
    }
}

void EvidenceBuilder::finish_reports(Evidence& e) const {
    if (!latest_) {
        e.unknown = true;
        e.summary = "No diagnosis: nothing was read.";
        return;
    }
    const analyze::Report& r = *latest_;
    e.host = r.hostname;
    e.samples = reports_;
    e.until = r.taken_at;
    e.from = r.taken_at;
    for (const auto& [name, points] : pool_points_) {
        if (!points.empty()) {
            e.from = std::min(e.from, points.front().at);
        }
    }
    e.verdict = r.verdict;
    e.unknown = r.unknown;
    e.summary = r.summary;
    if (r.breaks && r.summary.find(r.breaks->text) == std::string::npos) {
        e.breaks = r.breaks->text;  // unless the summary says it already
    }
    if (trend_) {
        const auto& t = *trend_;
        // Live, the time left may be minutes or seconds: "0.0 h" says nothing.
        e.forecast = fmt::format(
            "Pool {}: {} -> {} of {} ports used over {} {}, {:+.0f} ports/hour{}.", t.pool_text,
            t.used_first, t.used_last, t.size, t.captures,
            source_ == EvidenceSource::Live ? "diagnoses" : "captures", t.used_per_hour,
            t.hours_left ? "; at that rate no port is free in about " + about(*t.hours_left * 3600)
                         : std::string("; not growing"));
    }
    // Pools as they stand, with their worst moment over the samples.
    for (const auto& pool : r.pools) {
        if (e.pools.size() == limits_.pools) {
            e.more_pools = r.pools.size() - e.pools.size();
            break;
        }
        EvidencePool p;
        p.name = evidence_pool_name(pool);
        p.size = pool.size;
        p.used = pool.size - std::min(pool.size, pool.free);
        p.severity = pool.severity;
        p.worst = pool.severity;
        p.peak_used = p.used;
        p.peak_at = r.taken_at;
        if (auto it = pool_points_.find(p.name); it != pool_points_.end()) {
            for (const auto& point : it->second) {
                p.worst = std::max(p.worst, point.severity);
                if (point.value > p.peak_used) {
                    p.peak_used = static_cast<std::uint32_t>(point.value);
                    p.peak_at = point.at;
                }
            }
        }
        e.pools.push_back(std::move(p));
    }
    // Culprits: every finding's, merged by process, with their sockets by state and
    // destination in the finding's pool.
    std::map<ProcessKey, std::size_t> index;
    std::set<std::string> remedies;
    std::size_t total = 0;
    for (const auto& f : r.findings) {
        if (!f.remedy.empty() && remedies.insert(f.remedy).second) {
            e.remedies.push_back({f.title, f.remedy});
        }
        const analyze::Pool* pool =
            f.pool && *f.pool < r.pools.size() ? &r.pools[*f.pool] : nullptr;
        for (const auto& c : f.culprits) {
            ProcessKey key{c.pid, c.name};
            auto [it, added] = index.emplace(key, e.culprits.size());
            if (added) {
                ++total;
                if (e.culprits.size() == limits_.culprits) {
                    index.erase(it);
                    continue;
                }
                EvidenceCulprit culprit;
                culprit.pid = c.pid;
                culprit.name = c.name;
                culprit.cmdline = c.cmdline;
                culprit.mechanism = std::string(analyze::mechanism_text(f.mechanism));
                culprit.attribution =
                    c.inferred ? "inferred (TIME_WAIT by remote endpoint)" : "exact";
                e.culprits.push_back(std::move(culprit));
            }
            auto& culprit = e.culprits[it->second];
            culprit.sockets += c.sockets;
            const analyze::OwnerShare* owner = nullptr;
            if (pool) {
                for (const auto& o : pool->owners) {
                    if (o.pid == c.pid && o.name == c.name) {
                        owner = &o;
                    }
                }
            }
            if (owner) {
                using core::TcpState;
                culprit.established += owner->states[TcpState::Established];
                culprit.time_wait += owner->states[TcpState::TimeWait];
                culprit.close_wait += owner->states[TcpState::CloseWait];
                culprit.syn_sent += owner->states[TcpState::SynSent];
                culprit.other += owner->states.total() - owner->states[TcpState::Established] -
                                 owner->states[TcpState::TimeWait] -
                                 owner->states[TcpState::CloseWait] -
                                 owner->states[TcpState::SynSent];
            }
            const auto& destinations =
                owner && !owner->destinations.empty() ? owner->destinations : f.destinations;
            for (const auto& d : destinations) {
                if (culprit.destinations.size() < EvidenceLimits::kDestinations) {
                    culprit.destinations.push_back({d.remote.to_string(), d.sockets});
                }
            }
        }
    }
    if (total == 0 && !r.pools.empty() && !r.pools.front().owners.empty()) {
        const auto& pool = r.pools.front();
        e.culprits_note = fmt::format(
            "No pool is rated WARNING or worse: the processes holding most ports of the worst "
            "pool, {}, are listed.",
            evidence_pool_name(pool));
        for (const auto& o : pool.owners) {
            ++total;
            if (e.culprits.size() == limits_.culprits) {
                continue;
            }
            using core::TcpState;
            EvidenceCulprit c;
            c.pid = o.pid;
            c.name = o.name;
            c.sockets = o.sockets;
            c.established = o.states[TcpState::Established];
            c.time_wait = o.states[TcpState::TimeWait];
            c.close_wait = o.states[TcpState::CloseWait];
            c.syn_sent = o.states[TcpState::SynSent];
            c.other = o.states.total() - c.established - c.time_wait - c.close_wait - c.syn_sent;
            c.mechanism = std::string(analyze::mechanism_text(analyze::classify_states(o.states)));
            c.attribution = o.inferred > 0 ? fmt::format(
                                                 "{} of {} inferred (TIME_WAIT by remote "
                                                 "endpoint)",
                                                 o.inferred, o.sockets)
                                           : "exact";
            for (const auto& d : o.destinations) {
                if (c.destinations.size() < EvidenceLimits::kDestinations) {
                    c.destinations.push_back({d.remote.to_string(), d.sockets});
                }
            }
            if (c.destinations.empty() && pool.key.kind == analyze::PoolKind::TcpConnect) {
                c.destinations.push_back({pool.key.remote.to_string(), o.sockets});  // its one
            }
            e.culprits.push_back(std::move(c));
        }
    }
    e.more_culprits = total - e.culprits.size();
    for (auto& c : e.culprits) {
        c.peak = c.sockets;
        if (auto it = process_points_.find({c.pid, c.name}); it != process_points_.end()) {
            std::vector<ChartPoint> points;
            for (const auto& p : it->second) {
                c.peak = std::max(c.peak, static_cast<std::uint32_t>(p.value));
                points.push_back({p.at, p.value});
            }
            c.per_hour = slope_per_hour(points);
        }
        if (trend_) {
            for (const auto& p : trend_->processes) {
                if (p.pid == c.pid && p.name == c.name) {
                    c.per_hour = p.per_hour;
                }
            }
        }
    }
    // Host facts.
    for (auto& f : analyze::host_fact_lines(r)) {
        e.host_facts.push_back({std::move(f.label), std::move(f.value)});
    }
    // How it was measured.
    std::string sockets = r.source.sockets;
    e.method.push_back({"sockets", sockets.empty() ? "unknown" : sockets});
    e.method.push_back({"owners", r.source.owners.empty() ? "unknown" : r.source.owners});
    e.method.push_back(
        {"attribution", fmt::format("{} sockets of {} processes; {} TIME_WAIT attributed by remote "
                                    "endpoint (inferred), {} with no owner found",
                                    r.checked.sockets, r.checked.processes,
                                    r.checked.time_wait_inferred, r.checked.time_wait_unowned)});
    for (const auto& w : r.warnings) {
        if (e.warnings.size() < limits_.rows) {
            e.warnings.push_back(w.message);
        }
    }
}

void EvidenceBuilder::finish_history(Evidence& e, PoolPoints& chart_points,
                                     ProcessPoints& process_points) const {
    const auto& h = *history_;
    if (!h.hostnames.empty()) {
        e.host = h.hostnames.back();
    }
    // Pools: grouped by name; the latest minute decides the verdict.
    struct PoolRun {
        std::vector<ChartPoint> points;
        const store::PoolSample* last = nullptr;
        EvidencePool pool;
        core::TimePoint crossed_at{};  // of the latest crossing after the last rollup
    };
    std::map<std::string, PoolRun> pools;
    std::set<core::TimePoint> minutes;
    for (const auto& s : h.pools) {
        auto& run = pools[s.pool];
        run.points.push_back({s.at, static_cast<double>(s.used)});
        auto& p = run.pool;
        p.name = s.pool;
        p.size = s.size;
        p.used = s.used;
        p.severity = severity_of(s.severity);
        p.worst = std::max(p.worst, p.severity);
        if (s.used > p.peak_used || run.last == nullptr) {
            p.peak_used = s.used;
            p.peak_at = s.at;
        }
        run.last = &s;
        minutes.insert(s.at);
    }
    e.samples = minutes.size();
    if (pools.empty()) {
        e.unknown = true;
        e.summary =
            "The history holds no pool minutes in this window: was portwatch monitor "
            "recording (portwatch monitor --db PATH)?";
    }
    const core::TimePoint last_minute = minutes.empty() ? core::TimePoint{} : *minutes.rbegin();
    e.from = minutes.empty() ? core::TimePoint{} : *minutes.begin();
    e.until = last_minute;
    std::vector<const PoolRun*> ranked;
    for (auto& [name, run] : pools) {
        // A pool not in the last minute had no ports taken then.
        if (run.last->at != last_minute) {
            run.pool.used = 0;
            run.pool.severity = Severity::Ok;
        }
        ranked.push_back(&run);
    }
    // Every crossing counts for its pool's worst; one after the pool's last rollup (a run
    // killed within a minute writes none at its end) says how the pool stands now.
    if (answer_) {
        for (const auto& c : answer_->crossings) {
            auto it = pools.find(c.pool);
            if (it == pools.end()) {
                continue;
            }
            PoolRun& run = it->second;
            run.pool.worst = std::max(run.pool.worst, severity_of(c.to));
            if (c.at > run.last->at && c.at >= run.crossed_at) {
                run.crossed_at = c.at;
                run.pool.severity = severity_of(c.to);
            }
        }
    }
    auto util = [](const EvidencePool& p) {
        return p.size == 0 ? 0.0 : static_cast<double>(p.peak_used) / p.size;
    };
    std::stable_sort(ranked.begin(), ranked.end(), [&](const PoolRun* a, const PoolRun* b) {
        if (a->pool.severity != b->pool.severity) {
            return a->pool.severity > b->pool.severity;
        }
        return util(a->pool) > util(b->pool);
    });
    for (const auto* run : ranked) {
        if (e.pools.size() == limits_.pools) {
            e.more_pools = ranked.size() - e.pools.size();
            break;
        }
        e.pools.push_back(run->pool);
        auto& points = chart_points[run->pool.name];
        for (const auto& p : run->points) {
            points.push_back({p.at, p.value, Severity::Ok});
        }
        e.verdict = std::max(e.verdict, run->pool.severity);
    }
    if (!ranked.empty()) {
        const auto& worst = ranked.front()->pool;
        const auto* last = ranked.front()->last;
        e.summary = fmt::format(
            "{}: pool {} peaked at {} of {} ports ({}) at {}, worst {}; at the last rollup "
            "({}) {} were in use.",
            analyze::severity_name(e.verdict), worst.name, worst.peak_used, worst.size,
            percent(util(worst)), stamp(worst.peak_at), analyze::severity_name(worst.worst),
            stamp(last_minute), worst.used);
        if (last->at == last_minute && last->seconds_left && *last->seconds_left >= 1 &&
            worst.severity != Severity::Exhausted) {  // dry already: no time left to tell
            e.forecast = fmt::format(
                "At the rate of the last minutes, pool {} has no free port in about {}.",
                worst.name, about(*last->seconds_left));
        }
    }
    // Culprits: processes by the peak of the ports they took (connections accepted on their
    // listeners take none and are not counted, from schema version 4 on), their latest
    // minute's states.
    struct ProcessRun {
        std::vector<ChartPoint> points;
        const store::ProcessSample* last = nullptr;
        std::uint32_t peak = 0;
    };
    std::map<ProcessKey, ProcessRun> processes;
    for (const auto& s : h.processes) {
        auto& run = processes[{s.pid, s.name}];
        run.points.push_back({s.at, static_cast<double>(s.ports)});
        run.last = &s;
        run.peak = std::max(run.peak, s.ports);
    }
    std::vector<std::pair<ProcessKey, const ProcessRun*>> culprits;
    for (const auto& [key, run] : processes) {
        if (run.peak > 0) {
            culprits.emplace_back(key, &run);
        }
    }
    std::stable_sort(culprits.begin(), culprits.end(),
                     [](const auto& a, const auto& b) { return a.second->peak > b.second->peak; });
    for (const auto& [key, run] : culprits) {
        if (e.culprits.size() == limits_.culprits) {
            e.more_culprits = culprits.size() - e.culprits.size();
            break;
        }
        const auto& s = *run->last;
        EvidenceCulprit c;
        c.pid = s.pid;
        c.name = s.name;
        c.cmdline = s.unit;
        c.sockets = s.at == last_minute ? s.ports : 0;
        c.peak = run->peak;
        c.established = s.established;
        c.time_wait = s.time_wait;
        c.close_wait = s.close_wait;
        c.other = s.other;
        c.per_hour = slope_per_hour(run->points);
        c.attribution = s.time_wait == 0 || s.time_wait_exact == s.time_wait ? "exact (recorded)"
                        : s.time_wait_exact == 0
                            ? "inferred (TIME_WAIT by remote endpoint)"
                            : fmt::format("{} of {} TIME_WAIT exact, the rest inferred",
                                          s.time_wait_exact, s.time_wait);
        analyze::StateCounts states;
        states.by_state[static_cast<std::size_t>(core::TcpState::Established)] = s.established;
        states.by_state[static_cast<std::size_t>(core::TcpState::TimeWait)] = s.time_wait;
        states.by_state[static_cast<std::size_t>(core::TcpState::CloseWait)] = s.close_wait;
        auto mechanism = analyze::classify_states(states);
        c.mechanism = std::string(analyze::mechanism_text(mechanism));
        if (answer_) {
            for (const auto& r : answer_->remotes) {
                if (r.top_process == s.name &&
                    c.destinations.size() < EvidenceLimits::kDestinations) {
                    c.destinations.push_back(
                        {r.address + ":" + std::to_string(r.port), r.connections});
                }
            }
        }
        if (c.destinations.empty() && !s.top_destination.empty()) {
            c.destinations.push_back({s.top_destination, 0});
        }
        // A remedy for the leading culprits only: the first three, each at least a tenth of
        // the leader's peak (a server holding its listener is listed, not to be fixed).
        if (e.culprits.size() < 3 &&
            std::uint64_t{run->peak} * 10 >= culprits.front().second->peak) {
            std::string remedy = analyze::mechanism_remedy(mechanism, s.name, core::Platform::Linux,
                                                           s.top_destination);
            if (!remedy.empty()) {
                e.remedies.push_back(
                    {fmt::format("{}: {}", process_label(s.pid, s.name), c.mechanism),
                     std::move(remedy)});
            }
        }
        auto& points = process_points[key];
        for (const auto& p : run->points) {
            points.push_back({p.at, p.value, Severity::Ok});
        }
        e.culprits.push_back(std::move(c));
    }
    if (answer_) {
        for (const auto& f : answer_->failures) {
            e.failures_total += f.count;
            if (e.failures.size() == limits_.rows) {
                ++e.more_failures;
                continue;
            }
            e.failures.push_back(
                {process_label(f.pid, f.name), f.call, store::linux_errno_name(f.error),
                 f.address + ":" + std::to_string(f.port), f.count, f.first, f.last});
        }
        for (const auto& c : answer_->crossings) {
            e.crossings.push_back({c.at, c.pool, c.from, c.to, c.utilisation});
        }
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& s : v) {
            out += (out.empty() ? "" : ", ") + s;
        }
        return out;
    };
    e.host_facts.push_back({"host", join(h.hostnames)});
    if (h.facts.empty()) {
        e.host_facts.push_back({"host facts",
                                "not recorded (portwatch monitor records them "
                                "since history schema version 4)"});
    } else {
        e.host_facts.push_back({"as recorded at", stamp(h.facts_at)});
        for (const auto& f : h.facts) {
            e.host_facts.push_back({f.label, f.value});
        }
    }
    for (const auto& p : e.pools) {
        e.host_facts.push_back(
            {"pool size: " + p.name, fmt::format("{} ports (the usable ephemeral range)", p.size)});
    }
    e.method.push_back({"source",
                        "the history portwatch monitor recorded: per-minute rollups of "
                        "pools and processes, failed allocations, crossings"});
    e.method.push_back({"event sources", join(h.sources)});
    // Only the eBPF source sees a refused connect() or bind(); polls see sockets, not calls.
    e.failures_measured = std::find(h.sources.begin(), h.sources.end(), "ebpf") != h.sources.end();
    e.method.push_back({"events lost", std::to_string(h.lost)});
    e.method.push_back({"owners",
                        "exact where the event source recorded the maker (eBPF), "
                        "inferred by remote endpoint otherwise (see each culprit)"});
}

}  // namespace portwatch::render
