#include "export/scrape_cache.h"

#include <exception>
#include <utility>

namespace portwatch::exporter {

ScrapeCache::ScrapeCache(Sampler sampler, MonitorView monitor, const core::Clock& clock,
                         ScrapeOptions options)
    : sampler_(std::move(sampler)),
      monitor_(std::move(monitor)),
      clock_(clock),
      options_(std::move(options)) {}

std::uint64_t ScrapeCache::snapshots_taken() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

std::shared_ptr<const MetricSet> ScrapeCache::get() {
    std::unique_lock lock(mutex_);
    if (current_ && clock_.now() - taken_at_ < options_.max_age) {
        return current_;
    }
    if (in_progress_) {
        // Join the snapshot being taken rather than start another.
        const std::uint64_t joined = generation_;
        done_.wait(lock, [&] { return !in_progress_; });
        if (generation_ != joined && current_) {
            return current_;
        }
    }
    in_progress_ = true;
    lock.unlock();
    std::shared_ptr<const MetricSet> fresh;
    try {
        fresh = take();
    } catch (const std::exception&) {
        // Out of memory or a broken promise: counted, and the last result (if any) served.
        lock.lock();
        ++errors_;
        in_progress_ = false;
        ++generation_;
        done_.notify_all();
        if (!current_) {
            auto set = std::make_shared<MetricSet>();
            set->add(Metric::BuildInfo, {options_.version}, 1);
            set->add(Metric::ScrapeErrors, {}, static_cast<double>(errors_));
            current_ = std::move(set);
        }
        return current_;
    }
    lock.lock();
    current_ = std::move(fresh);
    taken_at_ = clock_.now();
    in_progress_ = false;
    ++generation_;
    done_.notify_all();
    return current_;
}

std::shared_ptr<const MetricSet> ScrapeCache::take() {
    const core::TimePoint start = clock_.now();
    auto set = std::make_shared<MetricSet>();
    set->add(Metric::BuildInfo, {options_.version}, 1);
    std::optional<monitor::MonitorState> monitor;
    if (monitor_) {
        monitor = monitor_();
    }
    FoldCounts folded;
    auto samples = sampler_();
    if (!samples) {
        ++errors_;
    } else {
        for (const live::ScopeSample& s : *samples) {
            if (s.report.unknown && !s.snapshot) {
                ++errors_;
            }
            add_scope_metrics(s.report, s.snapshot ? &*s.snapshot : nullptr,
                              monitor ? &*monitor : nullptr, options_.fold, *set, folded);
        }
    }
    folded_pools_ += folded.pools;
    folded_processes_ += folded.processes;
    set->add(Metric::FoldedSeries, {"pool"}, static_cast<double>(folded.pools));
    set->add(Metric::FoldedSeries, {"process"}, static_cast<double>(folded.processes));
    set->add(Metric::FoldedSeriesTotal, {"pool"}, static_cast<double>(folded_pools_));
    set->add(Metric::FoldedSeriesTotal, {"process"}, static_cast<double>(folded_processes_));
    const std::chrono::duration<double> took = clock_.now() - start;
    set->add(Metric::ScrapeDuration, {}, took.count());
    set->add(Metric::ScrapeErrors, {}, static_cast<double>(errors_));
    return set;
}

Sampler live_sampler(collect::LiveOptions live, std::string netns, analyze::Thresholds thresholds) {
    // A scrape a second (or every --cache): the owner source is made once, not per scrape.
    collect::keep_owner_source(live);
    return [live = std::move(live), netns = std::move(netns),
            thresholds]() -> Result<std::vector<live::ScopeSample>> {
        std::vector<live::ScopeSample> samples;
        if (netns != "all") {
            auto options = live;
            options.platform.netns = netns;
            const bool pid =
                !netns.empty() && netns.find_first_not_of("0123456789") == std::string::npos;
            samples.push_back(
                live::sample_scope(options, pid ? "pid " + netns : netns, thresholds));
            return samples;
        }
        auto scopes = collect::list_scopes(live);
        if (!scopes) {
            return std::unexpected(scopes.error());
        }
        auto shared = live;
        if (scopes->size() > 1) {
            collect::share_owner_pass(shared);
        }
        for (const auto& scope : *scopes) {
            auto sample =
                live::sample_scope(collect::select_scope(shared, scope), scope.label, thresholds);
            // Containers come and go: one that vanished since the listing is not an error.
            if (sample.report.unknown && !sample.snapshot && collect::scope_vanished(scope)) {
                continue;
            }
            samples.push_back(std::move(sample));
        }
        return samples;
    };
}

}  // namespace portwatch::exporter
