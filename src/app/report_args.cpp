#include "app/report_args.h"

namespace portwatch::app {

void add_report_options(CLI::App& cmd, ReportArgs& a) {
    cmd.add_option("--warning", a.warning, "utilisation (%) at which a pool is WARNING")
        ->capture_default_str();
    cmd.add_option("--critical", a.critical, "utilisation (%) at which a pool is CRITICAL")
        ->capture_default_str();
    cmd.add_option("--pools", a.pools, "pools listed in the text output")->capture_default_str();
    cmd.add_option("--top", a.top, "owners and destinations kept per pool")->capture_default_str();
}

Result<void> finish_report_args(const ReportArgs& a, analyze::Thresholds& thresholds,
                                render::ReportOptions& report) {
    if (!(a.warning > 0 && a.warning <= a.critical && a.critical <= 100)) {
        return make_error("thresholds must satisfy 0 < --warning <= --critical <= 100");
    }
    if (a.top == 0) {
        return make_error("--top must be at least 1");
    }
    thresholds = {a.warning / 100.0, a.critical / 100.0, a.top};
    report.max_pools = a.pools;
    return {};
}

}  // namespace portwatch::app
