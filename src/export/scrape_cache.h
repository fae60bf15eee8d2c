#pragma once
// One snapshot for every scraper: a scrape that arrives while another is taking the snapshot
// waits for it and shares its result; a result is reused for `max_age` (several Prometheus
// servers scraping one host cost one snapshot). Time comes from the injected Clock.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analyze/severity.h"
#include "collect/live_source.h"
#include "core/clock.h"
#include "core/result.h"
#include "export/exposition.h"
#include "export/fleet_metrics.h"
#include "live/live_diagnosis.h"
#include "monitor/state.h"

namespace portwatch::exporter {

// Takes the samples of every watched scope, now.
using Sampler = std::function<Result<std::vector<live::ScopeSample>>()>;
// The monitor's state, when one runs beside the exporter (a copy, taken under its lock).
using MonitorView = std::function<std::optional<monitor::MonitorState>()>;

struct ScrapeOptions {
    FoldOptions fold;
    std::chrono::milliseconds max_age{1000};
    std::string version = "portwatch";
};

class ScrapeCache {
  public:
    ScrapeCache(Sampler sampler, MonitorView monitor, const core::Clock& clock,
                ScrapeOptions options);
    // The metrics of a snapshot at most max_age old, taking one if needed (or joining the
    // one in progress). Never fails: a failed snapshot is counted in scrape errors.
    std::shared_ptr<const MetricSet> get();
    std::uint64_t snapshots_taken() const;

  private:
    std::shared_ptr<const MetricSet> take();

    Sampler sampler_;
    MonitorView monitor_;
    const core::Clock& clock_;
    ScrapeOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable done_;
    bool in_progress_ = false;
    std::uint64_t generation_ = 0;  // snapshots taken
    std::shared_ptr<const MetricSet> current_;
    core::TimePoint taken_at_;
    // Counters over the exporter's life (only the thread taking a snapshot writes them).
    std::uint64_t errors_ = 0;
    std::uint64_t folded_pools_ = 0, folded_processes_ = 0;
};

// The live sampler: `netns` empty for the caller's own namespace, a name/pid/path, or "all"
// (every namespace and container, one owner pass shared).
Sampler live_sampler(collect::LiveOptions live, std::string netns, analyze::Thresholds thresholds);

}  // namespace portwatch::exporter
