#pragma once
// Fills the Evidence (evidence.h) from what portwatch measured: diagnose reports at one or more
// moments (a live diagnosis, or saved captures over time, with analyze's trend) or the
// monitor's history (per-minute rollups, failures, crossings). The charts' series are
// downsampled and the tables capped here (EvidenceLimits), so every writer and the goldens
// see the same bounded data.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "analyze/report.h"
#include "analyze/trend.h"
#include "render/evidence.h"
#include "store/history_query.h"
#include "store/history_series.h"

namespace portwatch::render {

class EvidenceBuilder {
  public:
    EvidenceBuilder(EvidenceSource source, const analyze::Thresholds& thresholds,
                    EvidenceLimits limits = {});

    // One diagnosis (live: the one; captures: each in turn, in any order of time). The latest
    // gives the verdict and the tables; each adds a point to the charts.
    void add_report(const analyze::Report& report);
    // analyze's trend over the captures: each process's growth and the forecast.
    void set_trend(const analyze::Trend& trend);
    // The monitor's history over a window (the answer's failures and crossings are used).
    void set_history(store::HistorySeries series, store::HistoryAnswer answer);
    // A line for "how it was measured" ("captures: a.txt, b.txt").
    void add_method(std::string label, std::string value);

    Evidence finish(core::TimePoint now) const;

  private:
    struct Point {
        core::TimePoint at;
        double value = 0;
        analyze::Severity severity = analyze::Severity::Ok;
    };
    using ProcessKey = std::tuple<std::int32_t, std::string>;
    using PoolPoints = std::map<std::string, std::vector<Point>>;  // by pool name, time order
    using ProcessPoints = std::map<ProcessKey, std::vector<Point>>;

    void finish_reports(Evidence& e) const;
    // Fills the points from the history (the pools and processes in the tables).
    void finish_history(Evidence& e, PoolPoints& pools, ProcessPoints& processes) const;
    void finish_charts(Evidence& e, const PoolPoints& pools, const ProcessPoints& processes) const;

    EvidenceSource source_;
    analyze::Thresholds thresholds_;
    EvidenceLimits limits_;
    std::size_t reports_ = 0;
    std::optional<analyze::Report> latest_;
    std::optional<analyze::Trend> trend_;
    PoolPoints pool_points_;  // from the reports
    std::map<std::string, std::uint32_t> pool_sizes_;
    ProcessPoints process_points_;
    std::optional<store::HistorySeries> history_;
    std::optional<store::HistoryAnswer> answer_;
    std::vector<EvidenceFact> method_;
};

// "tcp-connect 10.0.0.1 -> 10.0.0.2:443": the key the monitor's history uses for a pool.
std::string evidence_pool_name(const analyze::Pool& pool);

// Least-squares slope of the points, per hour; unset with fewer than two distinct times.
std::optional<double> slope_per_hour(std::span<const ChartPoint> points);

}  // namespace portwatch::render
