#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "app/cli_tree.h"
#include "app/command_table.h"
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
    commands = add_commands(app);
    check_every_value(app);
}

std::expected<Cli, int> parse_cli(const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err) {
    CliTree tree;
    CLI::App& app = tree.app;
    const CommandTable& commands = tree.commands;

    // diagnose and analyze are monitoring checks: bad arguments are UNKNOWN (3), as the
    // Nagios plugin guidelines ask, so a misconfigured check does not page as CRITICAL (2).
    CLI::App* command = nullptr;
    auto usage_code = [&] {
        for (const auto& c : commands.entries) {
            if (c.cmd == command && c.check) {
                return kExitUnknown;
            }
        }
        return kExitUsage;
    };
    auto fail = [&](std::string_view message) {
        return std::unexpected(usage_error(err, message, command, usage_code()));
    };
    // The command is the first word that is not an option (the top level has only flags).
    auto word = std::find_if(args.begin() + (args.empty() ? 0 : 1), args.end(),
                             [](const std::string& a) { return !a.starts_with('-'); });
    if (word != args.end()) {
        for (const auto& c : commands.entries) {
            if (c.cmd->check_name(*word)) {
                command = c.cmd;
            }
        }
        if (command == nullptr) {
            return fail("unknown command '" + *word + "' (" + commands.names + ")");
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
        return fail("which command? " + commands.names);
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
    for (const auto& c : commands.entries) {
        if (c.cmd->parsed()) {
            auto options = c.finish();
            if (!options) {
                return fail(options.error().message);
            }
            return Cli{std::move(*options), c.write_error};
        }
    }
    return fail("which command? " + commands.names);
}

int write_error_code(const Cli& cli) {
    return cli.write_error;
}

namespace {

int run_command(const SnapshotOptions& options, std::ostream& out, std::ostream& err) {
    return run_snapshot(options, out, err);
}
int run_command(const DiagnoseOptions& options, std::ostream& out, std::ostream& err) {
    return run_diagnose(options, out, err);
}
int run_command(const AnalyzeOptions& options, std::ostream& out, std::ostream& err) {
    return run_analyze(options, std::cin, out, err);
}

}  // namespace

int run(const Cli& cli, std::ostream& out, std::ostream& err) {
    // The commands every build has are above; an OS's own (lab) in its commands.h.
    return std::visit([&](const auto& options) { return run_command(options, out, err); },
                      cli.command);
}

}  // namespace portwatch::app
