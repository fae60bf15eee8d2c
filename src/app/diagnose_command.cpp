#include "app/diagnose_command.h"

#include "analyze/verdict.h"
#include "app/exit_code.h"
#include "app/value_hints.h"
#include "live/live_diagnosis.h"
#include "render/utf8.h"

namespace portwatch::app {

CLI::App* add_diagnose_command(CLI::App& app, DiagnoseArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "diagnose",
        "Which port pool is running dry, who drains it, and what to do (verdict first)");
    cmd->add_flag("--json", a.json, "JSON document (schema: docs/diagnose.md)");
    add_scope_option(*cmd, a.live, LiveCommand::Diagnose);
    add_report_options(*cmd, a.report);
    add_live_options(*cmd, a.live);
    cmd->footer(live_footer(LiveCommand::Diagnose));
    return cmd;
}

Result<DiagnoseOptions> finish_diagnose_args(const DiagnoseArgs& a) {
    DiagnoseOptions o;
    if (auto ok = finish_report_args(a.report, o.thresholds, o.report); !ok) {
        return std::unexpected(ok.error());
    }
    o.json = a.json;
    o.all_netns = every_scope(a.live);
    if (auto ok = finish_live_args(a.live, o.live); !ok) {
        return std::unexpected(ok.error());
    }
    return o;
}

int exit_code_for(std::span<const analyze::Report> reports) {
    return static_cast<int>(analyze::nagios_status(reports));
}

int run_diagnose(const DiagnoseOptions& options, std::ostream& out, std::ostream& err) {
    std::vector<analyze::Report> reports;
    if (options.all_netns) {
        auto every = live::diagnose_every_scope(options.live, options.thresholds);
        if (!every) {
            err << "portwatch: " << render::terminal_safe(every.error().message) << '\n';
            return kExitUnknown;
        }
        for (const auto& note : every->notes) {
            err << "portwatch: " << render::terminal_safe(note) << '\n';
        }
        reports = std::move(every->reports);
    } else {
        reports.push_back(
            live::diagnose_scope(options.live, scope_label(options.live), options.thresholds));
    }
    for (const auto& r : reports) {
        if (r.unknown) {
            err << "portwatch: " << render::terminal_safe(r.summary) << '\n';
        }
    }
    render::make_report_renderer(
        options.json ? render::ReportFormat::Json : render::ReportFormat::Text, options.report)
        ->render(out, reports);
    return exit_code_for(reports);  // main() checks that the output was written
}

}  // namespace portwatch::app
