#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/exit_code.h"

namespace portwatch::app {

namespace {

constexpr const char* kVersion = "portwatch 0.1.0";

}  // namespace

std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err) {
    CLI::App app("portwatch: find and explain ephemeral port exhaustion", "portwatch");
    app.set_version_flag("--version", kVersion);
    app.require_subcommand(1);
    app.footer(R"(EXAMPLES:
  portwatch snapshot --state TIME_WAIT      every TIME_WAIT socket
  portwatch snapshot --json > sockets.json
  portwatch diagnose                        verdict, culprit and remedy
  portwatch analyze netstat.txt             the same on a saved netstat -anobq / ss -tanp
  sudo portwatch lab churn                  watch portwatch catch a real exhaustion

Run `portwatch COMMAND --help` for a command's options.)");
    SnapshotArgs snapshot_args;
    CLI::App* snapshot = add_snapshot_command(app, snapshot_args);
    DiagnoseArgs diagnose_args;
    CLI::App* diagnose = add_diagnose_command(app, diagnose_args);
    AnalyzeArgs analyze_args;
    CLI::App* analyze = add_analyze_command(app, analyze_args);
    LabArgs lab_args;
    CLI::App* lab = add_lab_command(app, lab_args);

    if (args.size() <= 1) {
        err << app.help();
        return std::unexpected(kExitUsage);
    }
    // diagnose and analyze are monitoring checks: bad arguments are UNKNOWN (3), as the
    // Nagios plugin guidelines ask, so a misconfigured check does not page as CRITICAL (2).
    auto usage_code = [&] {
        return diagnose->parsed() || analyze->parsed() ? kExitUnknown : kExitUsage;
    };
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e, out, err);
        return std::unexpected(code == 0 ? kExitOk : usage_code());
    }
    auto usage_error = [&](const Error& e, CLI::App* cmd) {
        err << "portwatch: " << e.message << "\n\n" << cmd->help("", CLI::AppFormatMode::Normal);
        return std::unexpected(usage_code());
    };
    if (snapshot->parsed()) {
        auto options = finish_snapshot_args(snapshot_args);
        if (!options) {
            return usage_error(options.error(), snapshot);
        }
        return Cli{*options};
    }
    if (diagnose->parsed()) {
        auto options = finish_diagnose_args(diagnose_args);
        if (!options) {
            return usage_error(options.error(), diagnose);
        }
        return Cli{*options};
    }
    if (analyze->parsed()) {
        auto options = finish_analyze_args(analyze_args);
        if (!options) {
            return usage_error(options.error(), analyze);
        }
        return Cli{*options};
    }
    if (lab->parsed()) {
        auto options = finish_lab_args(lab_args);
        if (!options) {
            return usage_error(options.error(), lab);
        }
        return Cli{*options};
    }
    err << app.help();
    return std::unexpected(kExitUsage);
}

int run(const Cli& cli, std::ostream& out, std::ostream& err) {
    return std::visit(
        [&](const auto& options) -> int {
            using T = std::decay_t<decltype(options)>;
            if constexpr (std::is_same_v<T, SnapshotOptions>) {
                return run_snapshot(options, out, err);
            } else if constexpr (std::is_same_v<T, DiagnoseOptions>) {
                return run_diagnose(options, out, err);
            } else if constexpr (std::is_same_v<T, AnalyzeOptions>) {
                return run_analyze(options, std::cin, out, err);
            } else if constexpr (std::is_same_v<T, LabCommandOptions>) {
                return run_lab(options, out, err);
            }
        },
        cli.command);
}

}  // namespace portwatch::app
