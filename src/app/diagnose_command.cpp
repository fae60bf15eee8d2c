#include "app/diagnose_command.h"

#include <unistd.h>

#include "app/exit_code.h"
#include "collect/host_facts.h"
#include "collect/netns_list.h"
#include "render/utf8.h"

namespace portwatch::app {

CLI::App* add_diagnose_command(CLI::App& app, DiagnoseArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "diagnose", "Which port pool is running dry, who drains it, and what to do (verdict first)");
    cmd->add_flag("--json", a.json, "JSON document (schema: docs/diagnose.md)");
    cmd->add_option("--netns", a.netns,
                    "network namespace: a name from `ip netns`, a pid, a path, or `all` for "
                    "every namespace on the host (each container)");
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
        o.live.netns = a.netns;
    }
    if (auto ok = finish_live_args(a.live, o.live); !ok) {
        return std::unexpected(ok.error());
    }
    return o;
}

analyze::Report diagnose_live(const collect::LiveOptions& live, const std::string& label,
                              const analyze::Thresholds& thresholds) {
    auto snapshot = collect::take_live_snapshot(live);
    if (!snapshot) {
        analyze::Report r;
        r.unknown = true;
        r.netns_name = label;
        r.taken_at = std::chrono::system_clock::now();
        r.summary = "UNKNOWN: " + snapshot.error().message;
        return r;
    }
    if (!label.empty()) {
        snapshot->netns_name = label;
    }
    auto facts = collect::read_host_facts({live.netns, live.proc_root}, snapshot->config,
                                          snapshot->warnings);
    if (!facts) {
        snapshot->warnings.push_back({"host facts: " + facts.error().message});
    }
    return analyze::diagnose(*snapshot, facts ? &*facts : nullptr, thresholds);
}

int exit_code_for(std::span<const analyze::Report> reports) {
    auto v = render::overall_verdict(reports);
    if (v.unknown) {
        return kExitUnknown;
    }
    switch (v.severity) {
        case analyze::Severity::Ok: return kExitOk;
        case analyze::Severity::Warning: return kExitWarning;
        case analyze::Severity::Critical:
        case analyze::Severity::Exhausted: return kExitCritical;
    }
    return kExitUnknown;
}

int run_diagnose(const DiagnoseOptions& options, std::ostream& out, std::ostream& err) {
    std::vector<analyze::Report> reports;
    if (options.all_netns) {
        auto list = collect::list_network_namespaces(options.live.proc_root);
        if (!list) {
            err << "portwatch: " << render::terminal_safe(list.error().message) << '\n';
            return kExitUnknown;
        }
        // One owner pass for all of them: file tables belong to processes, not namespaces.
        auto live = options.live;
        if (live.owners != collect::OwnerMode::None && list->size() > 1) {
            live.owner_pass = std::make_shared<const collect::OwnerPass>(
                collect::run_owner_pass(live.owners, live.proc_root));
        }
        for (const auto& ns : *list) {
            live.netns = ns.spec;
            auto report = diagnose_live(live, ns.label, options.thresholds);
            // Containers come and go: one that vanished since the listing is not a failure.
            if (report.unknown && !ns.spec.empty() && ::access(ns.spec.c_str(), F_OK) != 0) {
                err << "portwatch: network namespace " << render::terminal_safe(ns.label)
                    << " vanished while being read; skipped\n";
                continue;
            }
            reports.push_back(std::move(report));
        }
    } else {
        const auto& spec = options.live.netns;
        bool pid = !spec.empty() && spec.find_first_not_of("0123456789") == std::string::npos;
        reports.push_back(diagnose_live(options.live, pid ? "pid " + spec : spec, options.thresholds));
    }
    for (const auto& r : reports) {
        if (r.unknown) {
            err << "portwatch: " << render::terminal_safe(r.summary) << '\n';
        }
    }
    if (options.json) {
        render::render_reports_json(out, reports, options.report);
    } else {
        render::render_reports_text(out, reports, options.report);
    }
    return exit_code_for(reports);  // main() checks that the output was written
}

}  // namespace portwatch::app
