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
    complete_netns(cmd->add_option("--netns", a.netns,
                                   "network namespace: a name from `ip netns`, a pid, a path, or "
                                   "`all` for every namespace on the host (each container)"),
                   {"all"});
    add_report_options(*cmd, a.report);
    add_live_options(*cmd, a.live);
    cmd->footer(R"(EXIT STATUS (Nagios plugin convention):
  0 OK, 1 WARNING, 2 CRITICAL or EXHAUSTED, 3 UNKNOWN (the sockets could not be read)

EXAMPLES:
  portwatch diagnose                        this host (its own network namespace)
  portwatch diagnose --netns all            every network namespace, each container
  portwatch diagnose --netns 4242 --json    the namespace of pid 4242, as JSON
  portwatch diagnose --warning 60 --critical 80

diagnose opens no TCP/UDP port of its own: it works on a host whose ranges are exhausted.
Run as root to see every process's sockets and other namespaces.)");
    return cmd;
}

Result<DiagnoseOptions> finish_diagnose_args(const DiagnoseArgs& a) {
    DiagnoseOptions o;
    if (auto ok = finish_report_args(a.report, o.thresholds, o.report); !ok) {
        return std::unexpected(ok.error());
    }
    o.json = a.json;
    if (a.netns == "all") {
        o.all_netns = true;
    } else {
        o.live.platform.netns = a.netns;
    }
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
        const auto& spec = options.live.platform.netns;
        bool pid = !spec.empty() && spec.find_first_not_of("0123456789") == std::string::npos;
        reports.push_back(
            live::diagnose_scope(options.live, pid ? "pid " + spec : spec, options.thresholds));
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
