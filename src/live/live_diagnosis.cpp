#include "live/live_diagnosis.h"

#include "analyze/report.h"

namespace portwatch::live {

ScopeSample sample_scope(const collect::LiveOptions& options, const std::string& label,
                         const analyze::Thresholds& thresholds) {
    ScopeSample sample;
    auto snapshot = collect::take_live_snapshot(options);
    if (!snapshot) {
        analyze::Report& r = sample.report;
        r.unknown = true;
        r.netns_name = label;
        r.taken_at = options.clock->now();
        r.summary = "UNKNOWN: " + snapshot.error().message;
        return sample;
    }
    if (!label.empty()) {
        snapshot->netns_name = label;
    }
    auto facts = collect::read_live_host_facts(options, snapshot->config, snapshot->warnings);
    if (!facts) {
        snapshot->warnings.push_back({"host facts: " + facts.error().message});
    }
    sample.report = analyze::diagnose(*snapshot, facts ? &*facts : nullptr, thresholds);
    sample.snapshot = std::move(*snapshot);
    return sample;
}

analyze::Report diagnose_scope(const collect::LiveOptions& options, const std::string& label,
                               const analyze::Thresholds& thresholds) {
    return sample_scope(options, label, thresholds).report;
}

Result<Diagnosis> diagnose_every_scope(const collect::LiveOptions& options,
                                       const analyze::Thresholds& thresholds) {
    auto scopes = collect::list_scopes(options);
    if (!scopes) {
        return std::unexpected(scopes.error());
    }
    auto shared = options;
    if (scopes->size() > 1) {
        collect::share_owner_pass(shared);
    }
    Diagnosis d;
    for (const auto& scope : *scopes) {
        auto report = diagnose_scope(collect::select_scope(shared, scope), scope.label, thresholds);
        // Containers come and go: one that vanished since the listing is not a failure.
        if (report.unknown && collect::scope_vanished(scope)) {
            d.notes.push_back("network namespace " + scope.label +
                              " vanished while being read; skipped");
            continue;
        }
        d.reports.push_back(std::move(report));
    }
    return d;
}

}  // namespace portwatch::live
