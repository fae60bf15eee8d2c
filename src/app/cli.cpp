#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "app/cli_tree.h"
#include "app/exit_code.h"
#include "app/version.h"
#include "render/utf8.h"

namespace portwatch::app {

namespace {

// One rule for the value of every option and positional, whatever its type, so that no
// option can be forgotten: an empty value (`--netns ""`, `--netns=`) is an error, never the
// default; a whole number is plain decimal digits. CLI11 reads integers with strtoull(base 0),
// which takes "-1" as 18446744073709551615, "010" as 8 and "0x10" as 16: here "-1" is refused
// and leading zeros are dropped before CLI11 converts the digits (a transform: it may edit).
void check_every_value(CLI::App& app) {
    for (CLI::Option* opt : app.get_options()) {
        if (opt->get_items_expected_max() == 0) {
            continue;  // a flag
        }
        const std::string type = opt->get_type_name();
        const bool integer = type == "INT" || type == "UINT";
        opt->transform(CLI::Validator(
            [integer](std::string& value) -> std::string {
                if (value.empty()) {
                    return "empty value";
                }
                if (!integer) {
                    return {};
                }
                if (value.find_first_not_of("0123456789") != std::string::npos) {
                    return "expected a whole number (0 or more), got '" + value + "'";
                }
                value.erase(0, std::min(value.find_first_not_of('0'), value.size() - 1));
                if (value.size() > 18) {
                    return "number too large: " + value;
                }
                return {};
            },
            "", "value"));
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        check_every_value(*sub);
    }
}

// A usage error is one line, then where the help is.
int usage_error(std::ostream& err, std::string_view message, const CLI::App* cmd, int code) {
    std::string help = cmd == nullptr || cmd->get_name().empty() || cmd->get_parent() == nullptr
                           ? "portwatch --help"
                           : "portwatch " + cmd->get_name() + " --help";
    err << "portwatch: " << render::terminal_safe(message) << "\nRun `" << help << "` for usage.\n";
    return code;
}

}  // namespace

CliTree::CliTree() : app("portwatch: find and explain ephemeral port exhaustion", "portwatch") {
    app.set_version_flag("--version", std::string(version_text()));
    app.require_subcommand(1);
    app.footer(R"(EXAMPLES:
  portwatch snapshot --state TIME_WAIT      every TIME_WAIT socket
  portwatch snapshot --json > sockets.json
  portwatch diagnose                        verdict, culprit and remedy
  portwatch analyze netstat.txt             the same on a saved netstat -anobq / ss -tanp
  sudo portwatch lab churn                  watch portwatch catch a real exhaustion
  sudo portwatch monitor                    watch continuously: rates, forecasts, alerts
  portwatch history --since 1h              what the monitor recorded in the last hour
  sudo portwatch top                        pools and processes live, like top
  sudo portwatch exporter                   metrics for Prometheus on 127.0.0.1:10130

Run `portwatch COMMAND --help` for a command's options.)");
    snapshot = add_snapshot_command(app, snapshot_args);
    diagnose = add_diagnose_command(app, diagnose_args);
    analyze = add_analyze_command(app, analyze_args);
    lab = add_lab_command(app, lab_args);
    history = add_history_command(app, history_args);
    monitor = add_monitor_command(app, monitor_args);
    top = add_top_command(app, top_args);
    exporter = add_exporter_command(app, exporter_args);
    check_every_value(app);
}

std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err) {
    CliTree tree;
    CLI::App& app = tree.app;
    CLI::App* const snapshot = tree.snapshot;
    CLI::App* const diagnose = tree.diagnose;
    CLI::App* const analyze = tree.analyze;
    CLI::App* const lab = tree.lab;
    CLI::App* const history = tree.history;
    CLI::App* const monitor = tree.monitor;
    CLI::App* const top = tree.top;
    CLI::App* const exporter = tree.exporter;
    SnapshotArgs& snapshot_args = tree.snapshot_args;
    DiagnoseArgs& diagnose_args = tree.diagnose_args;
    AnalyzeArgs& analyze_args = tree.analyze_args;
    LabArgs& lab_args = tree.lab_args;
    HistoryArgs& history_args = tree.history_args;
    MonitorArgs& monitor_args = tree.monitor_args;
    TopArgs& top_args = tree.top_args;
    ExporterArgs& exporter_args = tree.exporter_args;

    // diagnose and analyze are monitoring checks: bad arguments are UNKNOWN (3), as the
    // Nagios plugin guidelines ask, so a misconfigured check does not page as CRITICAL (2).
    CLI::App* command = nullptr;
    auto usage_code = [&] {
        return command == diagnose || command == analyze ? kExitUnknown : kExitUsage;
    };
    auto fail = [&](std::string_view message) {
        return std::unexpected(usage_error(err, message, command, usage_code()));
    };
    // The command is the first word that is not an option (the top level has only flags).
    auto word = std::find_if(args.begin() + (args.empty() ? 0 : 1), args.end(),
                             [](const std::string& a) { return !a.starts_with('-'); });
    if (word != args.end()) {
        for (CLI::App* c : {snapshot, diagnose, analyze, lab, history, monitor, top, exporter}) {
            if (c->check_name(*word)) {
                command = c;
            }
        }
        if (command == nullptr) {
            return fail("unknown command '" + *word +
                        "' (snapshot, diagnose, analyze, lab, history, monitor, top or exporter)");
        }
    }
    // CLI11 reads `--opt=` as `--opt`, and a list of only commas (`--state ,`) as no value:
    // either way it takes the next word as the value. Say here that the value is empty, as for
    // `--opt ""`.
    auto only_commas = [](std::string_view v) {
        return !v.empty() && v.find_first_not_of(',') == std::string_view::npos;
    };
    for (auto it = args.begin() + (args.empty() ? 0 : 1); it != args.end() && *it != "--"; ++it) {
        auto eq = it->find('=');
        if (it->starts_with("--") && eq != std::string::npos && eq > 2 &&
            (eq + 1 == it->size() || only_commas(std::string_view(*it).substr(eq + 1)))) {
            return fail(it->substr(0, eq) + ": empty value");
        }
        if (only_commas(*it) && it != args.begin() + 1 && (it - 1)->starts_with('-')) {
            return fail(*(it - 1) + ": empty value");
        }
    }
    if (args.size() <= 1) {
        return fail(
            "which command? snapshot, diagnose, analyze, lab, history, monitor, top or exporter");
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << app.help();  // the command's help when one was given
        return std::unexpected(kExitOk);
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return std::unexpected(kExitOk);
    } catch (const CLI::CallForVersion&) {
        out << version_text();
        return std::unexpected(kExitOk);
    } catch (const CLI::ParseError& e) {
        return fail(e.what());
    }
    auto finish = [&](auto&& options) -> std::expected<Cli, int> {
        if (!options) {
            return fail(options.error().message);
        }
        return Cli{*options};
    };
    if (snapshot->parsed()) {
        return finish(finish_snapshot_args(snapshot_args));
    }
    if (diagnose->parsed()) {
        return finish(finish_diagnose_args(diagnose_args));
    }
    if (analyze->parsed()) {
        return finish(finish_analyze_args(analyze_args));
    }
    if (lab->parsed()) {
        return finish(finish_lab_args(lab_args));
    }
    if (history->parsed()) {
        return finish(finish_history_args(history_args));
    }
    if (monitor->parsed()) {
        return finish(finish_monitor_args(monitor_args));
    }
    if (top->parsed()) {
        return finish(finish_top_args(top_args));
    }
    if (exporter->parsed()) {
        return finish(finish_exporter_args(exporter_args));
    }
    return fail(
        "which command? snapshot, diagnose, analyze, lab, history, monitor, top or exporter");
}

int write_error_code(const Cli& cli) {
    return std::holds_alternative<SnapshotOptions>(cli.command) ||
                   std::holds_alternative<HistoryOptions>(cli.command) ||
                   std::holds_alternative<MonitorCommandOptions>(cli.command) ||
                   std::holds_alternative<TopOptions>(cli.command) ||
                   std::holds_alternative<ExporterOptions>(cli.command)
               ? kExitFailure
               : kExitUnknown;
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
            } else if constexpr (std::is_same_v<T, HistoryOptions>) {
                return run_history(options, out, err);
            } else if constexpr (std::is_same_v<T, MonitorCommandOptions>) {
                return run_monitor(options, out, err);
            } else if constexpr (std::is_same_v<T, TopOptions>) {
                return run_top(options, out, err);
            } else if constexpr (std::is_same_v<T, ExporterOptions>) {
                return run_exporter(options, out, err);
            }
        },
        cli.command);
}

}  // namespace portwatch::app
