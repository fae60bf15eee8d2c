#include "monitor/monitor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <unordered_map>

#include "analyze/finding.h"
#include "analyze/host_fact_lines.h"
#include "analyze/report.h"
#include "collect/poll_source.h"
#include "monitor/store_queue.h"
#include "monitor/tally.h"

namespace portwatch::monitor {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The longest wait for events in one go: how late interrupt() may be seen.
constexpr milliseconds kInterruptSlice{100};

std::string escape_unprintable(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

std::string pool_label(const analyze::Pool& p) {
    std::string text = std::string(analyze::pool_kind_name(p.key.kind)) + " " +
                       (p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string());
    if (p.key.kind == analyze::PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

// "3m20s", "1h05m", "45s" for the log.
std::string duration_text(double s) {
    auto total = static_cast<long long>(std::llround(std::max(0.0, s)));
    char buf[32];
    if (total >= 3600) {
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", total / 3600, total % 3600 / 60);
    } else if (total >= 60) {
        std::snprintf(buf, sizeof buf, "%lldm%02llds", total / 60, total % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%llds", total);
    }
    return buf;
}

template <typename T>
void push_recent(std::deque<T>& recent, T value, std::size_t keep) {
    recent.push_back(value);
    while (recent.size() > keep) {
        recent.pop_front();
    }
}

class MonitorImpl final : public Monitor {
  public:
    MonitorImpl(const MonitorOptions& options, const core::Clock& clock,
                store::HistoryStore* history, std::ostream& log, MonitorInputs inputs)
        : o_(options),
          clock_(clock),
          log_(log),
          source_(std::move(inputs.source.source)),
          sample_(std::move(inputs.sample)),
          store_(history, 3600, 1'000'000, seconds(5)),
          alerts_(options.on_alert, options.alert_timeout) {
        state_.source = std::string(source_->name());
        state_.source_why = inputs.source.why;
        if (!o_.safe_text) {
            o_.safe_text = escape_unprintable;
        }
    }

    void start() {
        log_ << "portwatch: monitor: source " << state_.source_why << '\n';
        next_sample_ = clock_.now();
        take_sample(true);
        next_sample_ = clock_.now() + o_.interval;
    }

    Result<void> step() override {
        const auto due = next_sample_;
        for (auto now = clock_.now(); now < due; now = clock_.now()) {
            if (interrupted_.load(std::memory_order_relaxed)) {
                return {};  // no sample: the caller is stopping
            }
            // Waits in slices, so interrupt() is seen within one (top's q at --interval 10).
            auto wait = std::min(
                {std::chrono::ceil<milliseconds>(due - now), o_.interval, kInterruptSlice});
            if (auto ok = source_->poll(wait, batch_); !ok) {
                return ok;
            }
            alerts_.reap(log_);
        }
        if (interrupted_.load(std::memory_order_relaxed)) {
            return {};
        }
        take_sample(false);
        const auto now = clock_.now();
        next_sample_ = due + o_.interval;
        if (next_sample_ <= now) {
            next_sample_ = now + o_.interval;  // a slow sample: skip, do not catch up
        }
        return {};
    }

    const MonitorState& state() const override { return state_; }

    void interrupt() override { interrupted_.store(true, std::memory_order_relaxed); }

    ~MonitorImpl() override {
        // The run ends: what waits is written and the store stamps the end (a store that still
        // refuses says so once more; the monitor is stopping anyway).
        const auto now = clock_.now();
        if (last_sample_ > rolled_up_ && !state_.pools.empty()) {
            write_rollup(last_sample_);
        }
        store_.push([now](store::HistoryStore& s) { return s.end_run(now); });
        store_.flush(now, log_, true);
    }

  private:
    struct PoolTrack {
        explicit PoolTrack(const analyze::ForecastOptions& f) : series(f) {}
        analyze::ForecastSeries series;
        std::deque<std::uint32_t> recent;
        analyze::Severity severity = analyze::Severity::Ok;
        bool alerted_forecast = false;
        core::TimePoint seen;
    };
    struct ProcTrack {
        explicit ProcTrack(const analyze::ForecastOptions& f) : series(f) {}
        analyze::ForecastSeries series;
        std::deque<std::uint32_t> recent;
        std::string name, unit;
        std::int64_t start_time = 0;
        bool holding = false;  // held ports at the last sample
        std::uint32_t ports = 0;
        std::uint64_t failures_total = 0;
        std::vector<std::pair<int, std::uint64_t>> failures_by_errno;
        std::uint32_t failures_since_sample = 0;
        std::uint32_t minute_opened = 0, minute_closed = 0, minute_failures = 0;
        core::TimePoint seen;
        ProcessView view;
    };

    ProcTrack& track(std::int32_t pid, const std::string& name) {
        auto [it, added] = procs_.try_emplace(pid, o_.forecast);
        if (added || it->second.name.empty()) {
            it->second.name = name;
        }
        return it->second;
    }

    void absorb_events() {
        for (const auto& e : batch_.ports) {
            makers_.learn(e);
            if (e.maker.pid == 0) {
                continue;
            }
            ProcTrack& p = track(e.maker.pid, e.maker.comm);
            p.minute_opened += e.kind == core::PortEventKind::Opened;
            p.minute_closed += e.kind == core::PortEventKind::Closed;
        }
        for (const auto& f : batch_.failures) {
            ProcTrack& p = track(f.maker.pid, f.maker.comm);
            ++p.failures_total;
            auto e = std::find_if(p.failures_by_errno.begin(), p.failures_by_errno.end(),
                                  [&](const auto& c) { return c.first == f.error; });
            if (e == p.failures_by_errno.end()) {
                p.failures_by_errno.emplace_back(f.error, 1);
            } else {
                ++e->second;
            }
            ++p.failures_since_sample;
            ++p.minute_failures;
        }
        state_.events_total += batch_.ports.size();
        state_.failures_total += batch_.failures.size();
        if (store_.enabled() && (!batch_.ports.empty() || !batch_.failures.empty())) {
            const std::size_t n = batch_.ports.size() + batch_.failures.size();
            auto copy = std::make_shared<core::EventBatch>(std::move(batch_));
            store_.push([copy](store::HistoryStore& s) { return s.record(*copy); }, n);
        }
        batch_.clear();
    }

    void take_sample(bool first) {
        live::ScopeSample sample =
            sample_ ? sample_() : live::sample_scope(live_options(), o_.label, o_.thresholds);
        const core::TimePoint now = clock_.now();
        ++state_.samples;
        if (sample.snapshot) {
            if (first && store_.enabled()) {
                store::RunInfo run{now, sample.snapshot->hostname, state_.source,
                                   o_.live.platform.netns, o_.version};
                auto at_start = std::make_shared<const core::Snapshot>(*sample.snapshot);
                store_.push([run, at_start](store::HistoryStore& s) -> Result<void> {
                    auto id = s.begin_run(run, *at_start);
                    if (!id) {
                        return std::unexpected(id.error());
                    }
                    return {};
                });
            }
            source_->offer(*sample.snapshot);
            (void)source_->poll(milliseconds(0), batch_);  // the events of that snapshot's diff
        }
        absorb_events();
        const analyze::Report& report = sample.report;
        state_.at = now;
        state_.verdict = report.verdict;
        state_.summary = report.summary;
        state_.events_lost = source_->lost();
        // A sample whose sockets could not be read says nothing about the pools: the views
        // keep the last sample's (no pool "vanishes", no crossing is made up); the report's
        // summary is a warning.
        if (sample.snapshot) {
            remember_states(report);
            remember_facts(report, now);
            update_pools(report, now);
            update_processes(sample, report, now);
        }
        rollup(now);
        if (now - last_retention_ >= std::chrono::hours(1)) {
            last_retention_ = now;
            auto retention = o_.retention;
            store_.push([retention, now](store::HistoryStore& s) {
                return s.apply_retention(retention, now);
            });
        }
        // The store commits at most a second after a write; flush() ends a quiet spell's wait.
        store_.push([](store::HistoryStore& s) { return s.flush(); });
        store_.flush(now, log_);
        state_.warnings.clear();
        if (auto w = store_.warning()) {
            state_.warnings.push_back(*w);
        }
        if (report.unknown) {
            state_.warnings.push_back(report.summary);
        }
        if (state_.events_lost > 0) {
            state_.warnings.push_back(std::to_string(state_.events_lost) + " events lost by the " +
                                      state_.source + " source");
        }
        if (sample.snapshot) {
            for (const auto& w : sample.snapshot->warnings) {
                state_.warnings.push_back(w.message);
            }
        }
        alerts_.reap(log_);
    }

    collect::LiveOptions live_options() const {
        auto live = o_.live;
        live.clock = &clock_;
        return live;
    }

    void update_pools(const analyze::Report& report, core::TimePoint now) {
        state_.pools.clear();
        for (std::size_t i = 0; i < report.pools.size(); ++i) {
            const analyze::Pool& p = report.pools[i];
            const std::string key = pool_label(p);
            auto [it, added] = pools_.try_emplace(key, o_.forecast);
            PoolTrack& t = it->second;
            const std::uint32_t used = p.size > p.free ? p.size - p.free : 0;
            t.series.add(now, used);
            t.seen = now;
            push_recent(t.recent, used, o_.recent);
            const analyze::Forecast f = t.series.forecast(now, p.size);

            PoolView v;
            v.pool = key;
            v.kind = std::string(analyze::pool_kind_name(p.key.kind));
            v.size = p.size;
            v.used = used;
            v.free = p.free;
            v.utilisation = p.utilisation;
            v.severity = p.severity;
            v.used_per_minute = f.per_minute;
            v.seconds_left = f.growing ? f.seconds_left : std::nullopt;
            v.recent_used.assign(t.recent.begin(), t.recent.end());
            state_.pools.push_back(v);

            if (p.severity != t.severity) {
                crossed(key, t.severity, p, report, v, now, i);
                t.severity = p.severity;
            }
            // A Linux local pool that plain connect() sockets fill is not alerted on: only
            // bind(0) would fail there, and its connect() pools say when connect() does (the
            // rule analyze/pool_model.cpp caps such a pool's severity by).
            const bool connect_filled = report.platform == core::Platform::Linux &&
                                        p.key.kind == analyze::PoolKind::TcpLocal &&
                                        p.bound * 2 < p.occupied;
            const double below = static_cast<double>(o_.alert_below.count());
            if (v.seconds_left && *v.seconds_left < below && !connect_filled) {
                if (!t.alerted_forecast) {
                    t.alerted_forecast = true;
                    alert(AlertKind::Forecast, p, report, v, t.severity, now, i);
                }
            } else if (!v.seconds_left || *v.seconds_left > below * 1.25) {
                t.alerted_forecast = false;  // hysteresis: no alert per wobble at the edge
            }
        }
        // Pools gone from the report have no socket left: their usage is 0 and they are OK
        // again (a crossing down); forgotten after a window without sockets.
        for (auto it = pools_.begin(); it != pools_.end();) {
            PoolTrack& t = it->second;
            if (t.seen == now) {
                ++it;
                continue;
            }
            t.series.add(now, 0);
            if (t.severity != analyze::Severity::Ok) {
                store_.push([c = store::Crossing{now, it->first,
                                                 std::string(analyze::severity_name(t.severity)),
                                                 "OK", 0.0}](store::HistoryStore& s) {
                    return s.record_crossing(c);
                });
                t.severity = analyze::Severity::Ok;
            }
            it = now - t.seen > o_.forecast.window ? pools_.erase(it) : std::next(it);
        }
        std::stable_sort(state_.pools.begin(), state_.pools.end(),
                         [](const PoolView& a, const PoolView& b) {
                             if (a.severity != b.severity) {
                                 return a.severity > b.severity;
                             }
                             return a.utilisation > b.utilisation;
                         });
    }

    void crossed(const std::string& key, analyze::Severity from, const analyze::Pool& p,
                 const analyze::Report& report, const PoolView& v, core::TimePoint now,
                 std::size_t index) {
        store::Crossing c{now, key, std::string(analyze::severity_name(from)),
                          std::string(analyze::severity_name(p.severity)), p.utilisation};
        store_.push([c](store::HistoryStore& s) { return s.record_crossing(c); });
        if (p.severity > from && p.severity >= analyze::Severity::Critical) {
            alert(AlertKind::Crossing, p, report, v, from, now, index);
        }
    }

    void alert(AlertKind kind, const analyze::Pool& p, const analyze::Report& report,
               const PoolView& v, analyze::Severity previous, core::TimePoint now,
               std::size_t index) {
        Alert a;
        a.at = now;
        a.kind = kind;
        a.pool = v.pool;
        a.pool_kind = v.kind;
        a.severity = p.severity;
        a.previous = previous;
        a.size = v.size;
        a.used = v.used;
        a.free = v.free;
        a.utilisation = v.utilisation;
        a.used_per_minute = v.used_per_minute;
        a.seconds_left = v.seconds_left;
        a.summary = report.summary;
        for (const auto& f : report.findings) {
            if (f.pool && *f.pool == index) {
                a.mechanism = std::string(analyze::mechanism_name(f.mechanism));
                break;
            }
        }
        for (const auto& owner : p.owners) {
            if (a.culprits.size() == 3) {
                break;
            }
            a.culprits.push_back({owner.pid, owner.name, owner.sockets});
        }
        log_ << "portwatch: ALERT " << v.pool << ": ";
        if (kind == AlertKind::Forecast) {
            log_ << "runs dry in " << duration_text(*v.seconds_left) << " at +"
                 << std::lround(v.used_per_minute) << " ports/min";
        } else {
            log_ << analyze::severity_name(p.severity) << " (was "
                 << analyze::severity_name(previous) << ")";
        }
        log_ << ", " << v.used << " of " << v.size << " used, " << v.free << " free";
        if (!a.culprits.empty()) {
            const auto& c = a.culprits.front();
            log_ << "; most: " << o_.safe_text(c.name) << " (pid " << c.pid << ") " << c.sockets;
        }
        log_ << '\n';
        if (alerts_.enabled()) {
            alerts_.run(o_.alert_json(a), log_);
        }
    }

    void update_processes(const live::ScopeSample& sample, const analyze::Report& report,
                          core::TimePoint now) {
        const double since = last_sample_ == core::TimePoint{}
                                 ? 0.0
                                 : std::chrono::duration<double>(now - last_sample_).count();
        last_sample_ = now;
        Tallies tallies;
        if (sample.snapshot) {
            tallies = tally_processes(*sample.snapshot, makers_);
            makers_.keep_only(*sample.snapshot);
        }
        // Free ports of the fullest pool each process holds ports in (its time left).
        std::unordered_map<std::int32_t, std::uint32_t> tightest;
        for (const auto& p : report.pools) {
            for (const auto& o : p.owners) {
                auto [it, added] = tightest.try_emplace(o.pid, p.free);
                it->second = std::min(it->second, p.free);
            }
        }
        for (auto& [pid, t] : tallies) {
            ProcTrack& p = track(pid, t.name);
            if (!t.name.empty()) {
                p.name = t.name;
            }
            if (p.holding && t.start_time != 0 && p.start_time != 0 &&
                t.start_time != p.start_time) {
                life(pid, p, false, now);  // the pid was reused: the old process is gone
                p.holding = false;
            }
            p.unit = t.unit;
            p.start_time = t.start_time;
            p.ports = t.ports;
            p.seen = now;
            if (!p.holding) {
                p.holding = true;
                if (pid != 0) {
                    life(pid, p, true, now);
                }
            }
            ProcessView& v = p.view;
            v.pid = pid;
            v.name = p.name;
            v.ports = t.ports;
            v.established = t.established;
            v.time_wait = t.time_wait;
            v.close_wait = t.close_wait;
            v.other = t.other;
            v.time_wait_exact = t.time_wait_exact;
            v.accepted = t.accepted;
            v.top_destination = t.top_destination;
        }
        state_.processes.clear();
        for (auto it = procs_.begin(); it != procs_.end();) {
            const std::int32_t pid = it->first;
            ProcTrack& p = it->second;
            if (p.seen != now) {
                if (p.holding) {
                    p.holding = false;
                    if (pid != 0) {
                        life(pid, p, false, now);
                    }
                }
                p.ports = 0;
                p.view = ProcessView{};
                p.view.pid = pid;
                p.view.name = p.name;
            }
            p.series.add(now, p.ports);
            push_recent(p.recent, p.ports, o_.recent);
            ProcessView& v = p.view;
            v.recent_ports.assign(p.recent.begin(), p.recent.end());
            v.failures_total = p.failures_total;
            v.failures_by_errno = p.failures_by_errno;
            v.failures_per_second = since > 0 ? p.failures_since_sample / since : 0;
            p.failures_since_sample = 0;
            auto tight = tightest.find(pid);
            const auto f = p.series.forecast(
                now, tight != tightest.end() ? double(p.ports) + tight->second : 0.0);
            v.ports_per_minute = f.per_minute;
            v.seconds_left = f.growing ? f.seconds_left : std::nullopt;
            const bool failing = v.failures_per_second > 0 || p.minute_failures > 0;
            if (p.holding || failing) {
                state_.processes.push_back(v);
                ++it;
            } else if (now - p.seen > o_.forecast.window && p.minute_opened == 0 &&
                       p.minute_closed == 0) {
                it = procs_.erase(it);
            } else {
                ++it;
            }
        }
        std::stable_sort(state_.processes.begin(), state_.processes.end(),
                         [](const ProcessView& a, const ProcessView& b) {
                             return a.ports != b.ports ? a.ports > b.ports : a.pid < b.pid;
                         });
    }

    void life(std::int32_t pid, const ProcTrack& p, bool started, core::TimePoint now) {
        store::ProcessLife l{now, started, pid, p.name, p.unit, p.ports};
        store_.push([l](store::HistoryStore& s) { return s.record_process(l); });
    }

    void rollup(core::TimePoint now) {
        const auto minute = std::chrono::floor<std::chrono::minutes>(now);
        if (minute_ == core::TimePoint{}) {
            minute_ = minute;
            return;
        }
        if (minute <= minute_) {
            return;
        }
        minute_ = minute;
        write_rollup(minute);
    }

    // The rollup of the time since the last one, stamped `at`: a minute's end, or the last
    // sample of a run that stops within a minute (its last state and counts are not lost).
    void write_rollup(core::TimePoint at) {
        rolled_up_ = at;
        std::vector<store::PoolSample> pools;
        for (const auto& v : state_.pools) {
            store::PoolSample s;
            s.at = at;
            s.pool = v.pool;
            s.kind = v.kind;
            s.size = v.size;
            s.used = v.used;
            s.severity = std::string(analyze::severity_name(v.severity));
            s.seconds_left = v.seconds_left;
            auto states = pool_states_.find(v.pool);
            if (states != pool_states_.end()) {
                s.netns = states->second.netns;
                s.established = states->second.established;
                s.time_wait = states->second.time_wait;
                s.close_wait = states->second.close_wait;
                s.other = states->second.other;
            }
            pools.push_back(std::move(s));
        }
        std::vector<store::ProcessSample> processes;
        for (auto& [pid, p] : procs_) {
            if (p.ports == 0 && p.view.accepted == 0 && p.minute_opened == 0 &&
                p.minute_closed == 0 && p.minute_failures == 0) {
                continue;
            }
            store::ProcessSample s;
            s.at = at;
            s.pid = pid;
            s.name = p.name;
            s.unit = p.unit;
            s.ports = p.ports;
            s.established = p.view.established;
            s.time_wait = p.view.time_wait;
            s.close_wait = p.view.close_wait;
            s.other = p.view.other;
            s.time_wait_exact = p.view.time_wait_exact;
            s.accepted = p.view.accepted;
            s.opened = p.minute_opened;
            s.closed = p.minute_closed;
            s.failures = p.minute_failures;
            s.top_destination = p.view.top_destination;
            processes.push_back(std::move(s));
            p.minute_opened = p.minute_closed = p.minute_failures = 0;
        }
        store_.push([pools = std::move(pools), processes = std::move(processes)](
                        store::HistoryStore& s) { return s.record_minute(pools, processes); });
        if (facts_ != facts_recorded_ || at - facts_recorded_at_ >= std::chrono::hours(1)) {
            record_facts(at);
        }
    }

    // The pools' states by label, for the rollups (kept from the last report).
    struct PoolStates {
        std::uint64_t netns = 0;
        std::uint32_t established = 0, time_wait = 0, close_wait = 0, other = 0;
    };
    // The host's facts: recorded when first known, then at a minute's end when a line changed,
    // and at least hourly (retention deletes by age; the newest set must stay).
    void remember_facts(const analyze::Report& report, core::TimePoint now) {
        facts_.clear();
        for (auto& f : analyze::host_fact_lines(report)) {
            facts_.push_back({std::move(f.label), std::move(f.value)});
        }
        if (facts_recorded_at_ == core::TimePoint{}) {
            record_facts(now);
        }
    }
    void record_facts(core::TimePoint at) {
        if (facts_.empty()) {
            return;
        }
        facts_recorded_ = facts_;
        facts_recorded_at_ = at;
        store_.push(
            [at, facts = facts_](store::HistoryStore& s) { return s.record_facts(at, facts); });
    }

    void remember_states(const analyze::Report& report) {
        pool_states_.clear();
        for (const auto& p : report.pools) {
            PoolStates s;
            s.netns = p.key.netns;
            s.established = p.states[core::TcpState::Established];
            s.time_wait = p.states[core::TcpState::TimeWait];
            s.close_wait = p.states[core::TcpState::CloseWait];
            s.other = p.states.total() - s.established - s.time_wait - s.close_wait;
            pool_states_[pool_label(p)] = s;
        }
    }

    MonitorOptions o_;
    const core::Clock& clock_;
    std::ostream& log_;
    std::unique_ptr<collect::EventSource> source_;
    std::function<live::ScopeSample()> sample_;
    StoreQueue store_;
    AlertRunner alerts_;
    MonitorState state_;
    core::EventBatch batch_;
    std::atomic<bool> interrupted_{false};
    MakerMap makers_;
    std::map<std::string, PoolTrack> pools_;
    std::map<std::string, PoolStates> pool_states_;
    std::vector<store::HostFact> facts_, facts_recorded_;  // the latest sample's; last recorded
    core::TimePoint facts_recorded_at_{};
    std::map<std::int32_t, ProcTrack> procs_;
    core::TimePoint next_sample_{}, last_sample_{}, minute_{}, last_retention_{};
    core::TimePoint rolled_up_{};  // the time the last rollup was stamped with
};

}  // namespace

Result<std::unique_ptr<Monitor>> Monitor::create(const MonitorOptions& options,
                                                 const core::Clock& clock,
                                                 store::HistoryStore* history, std::ostream& log,
                                                 MonitorInputs inputs) {
    if (options.interval.count() <= 0) {
        return make_error("the monitor's interval must be more than 0");
    }
    if (!options.on_alert.empty() && !options.alert_json) {
        return make_error(ErrorKind::Internal, "--on-alert without an alert writer");
    }
    if (!inputs.source.source) {
        return make_error(ErrorKind::Internal, "the monitor has no event source");
    }
    auto m = std::make_unique<MonitorImpl>(options, clock, history, log, std::move(inputs));
    m->start();
    return m;
}

Result<std::unique_ptr<Monitor>> Monitor::create(const MonitorOptions& options,
                                                 const core::Clock& clock,
                                                 store::HistoryStore* history, std::ostream& log) {
    // The same scope every interval: owners are kept from one sample to the next, and the
    // process table read again only for sockets not seen before (and in full every 30 s).
    MonitorOptions kept = options;
    collect::keep_owners_between_snapshots(kept.live);
    auto live = kept.live;
    live.clock = &clock;
    auto opened = collect::open_event_source(kept.source, live, kept.interval);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    return create(kept, clock, history, log, MonitorInputs{std::move(*opened), {}});
}

}  // namespace portwatch::monitor
