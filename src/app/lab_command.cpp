#include "app/lab_command.h"

#include <fmt/format.h>

#include <iostream>

#include "app/diagnose_command.h"
#include "app/exit_code.h"
#include "app/value_hints.h"
#include "live/live_diagnosis.h"
#include "render/utf8.h"

namespace portwatch::app {

CLI::App* add_lab_command(CLI::App& app, LabArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "lab", "Cause one exhaustion pattern for real in a throw-away namespace, then diagnose it");
    std::string names;
    std::vector<std::string> words;
    for (const auto& p : lab::patterns()) {
        names += (names.empty() ? "" : ", ") + std::string(p.name);
        words.emplace_back(p.name);
    }
    complete_words(cmd->add_option("pattern", a.pattern, "one of: " + names), words);
    cmd->add_flag("--list", a.list, "list the patterns and what each does");
    cmd->add_flag("--json", a.json, "the diagnose report as JSON (the lab's story goes to stderr)");
    cmd->add_flag("--hold", a.hold,
                  "keep the namespace until Enter, so you can run portwatch yourself in it");
    cmd->add_option("--range", a.range, "ports in the lab's range (default 200; healthy: 5000)");
    cmd->footer(R"(WHAT IT TOUCHES:
  Only a network namespace it creates (unshare), with just a loopback interface, a narrowed
  net.ipv4.ip_local_port_range (40000 and up), tcp_tw_reuse=0 and tcp_rfc1337=1, so that
  an RST cannot end a TIME_WAIT early and a run does not depend on the machine's load
  (reserved: 80% of the range in net.ipv4.ip_local_reserved_ports, the namespace's own
  list; dead-backend adds a route 192.0.2.0/24 via lo that drops every packet). Its
  processes (pwlab-holder, pwlab-server/pwlab-dns, the client named after the pattern, and
  for listeners-in-range and proxy-bind the process that takes the ports first:
  pwlab-listener, pwlab-proxy) hold the namespace; when the lab ends they are stopped and
  the namespace disappears with them.
  Needs root (CAP_SYS_ADMIN).

EXAMPLES:
  sudo portwatch lab churn                 TIME_WAIT churn, then the diagnosis
  sudo portwatch lab dead-backend          connects that are never answered (SYN_SENT)
  sudo portwatch lab --list
  sudo portwatch lab proxy-bind            a proxy's bound ports starve another process
  sudo portwatch lab close-wait --hold     then, elsewhere: portwatch snapshot --netns PID)");
    return cmd;
}

Result<LabCommandOptions> finish_lab_args(const LabArgs& a) {
    LabCommandOptions o;
    o.list = a.list;
    o.json = a.json;
    o.hold = a.hold;
    o.lab.range_size = a.range;
    if (a.list) {
        return o;
    }
    if (a.pattern.empty()) {
        return make_error("which pattern? (portwatch lab --list)");
    }
    auto pattern = lab::parse_pattern(a.pattern);
    if (!pattern) {
        return make_error("unknown lab pattern '" + a.pattern + "' (portwatch lab --list)");
    }
    o.lab.pattern = *pattern;
    if (a.range != 0 && (a.range < 16 || a.range > 20000)) {
        return make_error("--range must be between 16 and 20000");
    }
    return o;
}

int run_lab(const LabCommandOptions& options, std::ostream& out, std::ostream& err) {
    if (options.list) {
        for (const auto& p : lab::patterns()) {
            out << fmt::format("  {:<21} {}\n", p.name, p.description);
        }
        return kExitOk;
    }
    const auto& pinfo = lab::info(options.lab.pattern);
    std::ostream& story_out = options.json ? err : out;
    render::write_wrapped(story_out, fmt::format("Lab {}: {}.", pinfo.name, pinfo.description),
                          options.report.width);
    story_out.flush();
    auto lab = lab::Lab::start(options.lab);
    if (!lab) {
        err << "portwatch: " << render::terminal_safe(lab.error().message) << '\n';
        return kExitUnknown;
    }
    const auto& o = lab->outcome();
    render::write_wrapped(story_out, "What happened: " + o.story, options.report.width);
    story_out << '\n';
    story_out << fmt::format("`portwatch diagnose --netns {}` says:\n\n", o.holder_pid);
    story_out.flush();

    collect::LiveOptions scope;
    scope.platform.netns = o.netns;
    std::vector<analyze::Report> reports;
    reports.push_back(live::diagnose_scope(
        scope, fmt::format("lab {}, pid {}", pinfo.name, o.holder_pid), options.thresholds));
    render::make_report_renderer(
        options.json ? render::ReportFormat::Json : render::ReportFormat::Text, options.report)
        ->render(out, reports);
    out.flush();
    if (options.hold) {
        err << fmt::format(
            "\nThe lab namespace stays while this runs: try\n"
            "  portwatch diagnose --netns {0}\n  portwatch snapshot --netns {0}\n"
            "Press Enter to end the lab and remove the namespace.\n",
            o.holder_pid);
        std::string line;
        std::getline(std::cin, line);
    }
    return exit_code_for(reports);
}

}  // namespace portwatch::app
