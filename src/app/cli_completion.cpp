// Shell completions for bash, zsh and fish, generated from the CommandDoc tree (cli_docs.h).

#include <algorithm>
#include <cctype>
#include <string>

#include "app/cli_docs.h"

namespace portwatch::app {

namespace {

constexpr std::string_view kGenerated =
    "Generated from portwatch's command-line definition by portwatch-gen-cli-docs; do not "
    "edit.";

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        out += (i == 0 ? "" : std::string(sep)) + parts[i];
    }
    return out;
}

// Inside single quotes, for sh and zsh: ' becomes '\''.
std::string sh_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string identifier(const std::vector<std::string>& path) {
    std::string id = "_" + join(path, "_");
    std::replace_if(
        id.begin(), id.end(),
        [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '_'; }, '_');
    return id;
}

std::vector<std::string> command_names(const CommandDoc& c) {
    std::vector<std::string> names;
    names.reserve(c.commands.size());
    for (const auto& sub : c.commands) {
        names.push_back(sub.path.back());
    }
    return names;
}

std::vector<std::string> all_names(const CommandDoc& c) {
    std::vector<std::string> names;
    for (const auto& o : c.options) {
        names.insert(names.end(), o.names.begin(), o.names.end());
    }
    return names;
}

template <typename F>
void for_each_command(const CommandDoc& c, F&& f) {
    f(c);
    for (const auto& sub : c.commands) {
        for_each_command(sub, f);
    }
}

// ---- bash ----

// The bash expression that completes one value (of an option, or a positional).
std::string bash_value(const OptionDoc& o) {
    switch (o.hint.kind) {
        case ValueHint::Kind::Words:
            return "_portwatch_reply " + sh_quote(join(o.hint.words, " ")) +
                   (o.delimiter == ',' ? " list" : "");
        case ValueHint::Kind::Netns:
            return "_portwatch_reply \"" + join(o.hint.words, " ") + " $(_portwatch_netns)\"";
        case ValueHint::Kind::Files:
            return "_portwatch_files";
        case ValueHint::Kind::None:
            break;
    }
    return "COMPREPLY=()";
}

std::string bash_pattern(const std::string& path, const std::vector<std::string>& names) {
    std::vector<std::string> alternatives;
    alternatives.reserve(names.size());
    for (const auto& n : names) {
        alternatives.push_back(sh_quote(path + ' ' + n));
    }
    return join(alternatives, " | ");
}

}  // namespace

void write_bash_completion(const CommandDoc& root, std::ostream& out) {
    const std::string program = root.path.front();
    out << "# bash completion for " << program << "  -*- shell-script -*-\n# " << kGenerated
        << "\n\n"
        << "_portwatch_netns() {\n"
        << "    ip netns list 2>/dev/null | while read -r name _; do printf '%s\\n' \"$name\"; "
           "done\n"
        << "}\n\n"
        << "# COMPREPLY: the words of $1 that complete $cur; with $2 = list, the part of $cur\n"
        << "# after its last comma (--state TIME_WAIT,CL).\n"
        << "_portwatch_reply() {\n"
        << "    local prefix=\"\" last=$cur\n"
        << "    if [[ $2 == list && $cur == *,* ]]; then prefix=${cur%,*},; last=${cur##*,}; "
           "fi\n"
        << "    COMPREPLY=($(compgen -P \"$prefix\" -W \"$1\" -- \"$last\"))\n"
        << "}\n\n"
        << "_portwatch_files() {\n"
        << "    compopt -o filenames 2>/dev/null\n"
        << "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        << "}\n\n"
        << identifier(root.path) << "() {\n"
        << "    local cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" cmd=" << sh_quote(program)
        << " skip=0 i w\n"
        << "    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
        << "    # bash splits --opt=value into \"--opt\" \"=\" \"value\".\n"
        << "    if [[ $cur == = ]]; then\n"
        << "        cur=\"\"\n"
        << "    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
        << "        prev=${COMP_WORDS[COMP_CWORD - 2]}\n"
        << "    fi\n"
        << "    # Which command: the words naming subcommands; an option's value is skipped.\n"
        << "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        << "        w=${COMP_WORDS[i]}\n"
        << "        if [[ $w == = ]]; then skip=1; continue; fi\n"
        << "        if ((skip)); then skip=0; continue; fi\n"
        << "        case \"$cmd $w\" in\n";
    for_each_command(root, [&](const CommandDoc& c) {
        const std::string path = join(c.path, " ");
        for (const auto& sub : c.commands) {
            out << "            " << sh_quote(path + " " + sub.path.back())
                << ") cmd=\"$cmd $w\" ;;\n";
        }
        std::vector<std::string> valued;
        for (const auto& o : c.options) {
            if (o.takes_value) {
                valued.insert(valued.end(), o.names.begin(), o.names.end());
            }
        }
        if (!valued.empty()) {
            out << "            " << bash_pattern(path, valued) << ") skip=1 ;;\n";
        }
    });
    out << "        esac\n"
        << "    done\n"
        << "    # The value of an option.\n"
        << "    case \"$cmd $prev\" in\n";
    for_each_command(root, [&](const CommandDoc& c) {
        const std::string path = join(c.path, " ");
        for (const auto& o : c.options) {
            if (o.takes_value) {
                out << "        " << bash_pattern(path, o.names) << ")\n"
                    << "            " << bash_value(o) << "\n            return ;;\n";
            }
        }
    });
    out << "    esac\n"
        << "    # Options, subcommands and positionals.\n"
        << "    case $cmd in\n";
    for_each_command(root, [&](const CommandDoc& c) {
        out << "        " << sh_quote(join(c.path, " ")) << ")\n"
            << "            if [[ $cur == -* ]]; then\n"
            << "                _portwatch_reply " << sh_quote(join(all_names(c), " ")) << '\n'
            << "            else\n";
        if (!c.commands.empty()) {
            out << "                _portwatch_reply " << sh_quote(join(command_names(c), " "))
                << '\n';
        } else if (!c.positionals.empty()) {
            out << "                " << bash_value(c.positionals.front()) << '\n';
        } else {
            out << "                _portwatch_reply " << sh_quote(join(all_names(c), " ")) << '\n';
        }
        out << "            fi ;;\n";
    });
    out << "    esac\n"
        << "}\n\n"
        << "complete -F " << identifier(root.path) << ' ' << program << '\n';
}

namespace {

// ---- zsh ----

// Text inside an _arguments spec's [description], itself inside single quotes.
std::string zsh_description(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '[' || c == ']' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string zsh_action(const OptionDoc& o) {
    switch (o.hint.kind) {
        case ValueHint::Kind::Words:
            return o.delimiter == ',' ? "_sequence compadd - " + join(o.hint.words, " ")
                                      : "(" + join(o.hint.words, " ") + ")";
        case ValueHint::Kind::Netns:
            return "_portwatch_netns " + join(o.hint.words, " ");
        case ValueHint::Kind::Files:
            return "_files";
        case ValueHint::Kind::None:
            break;
    }
    return " ";
}

std::string zsh_message(const OptionDoc& o) {
    std::string name = o.names.back();
    name.erase(0, name.find_first_not_of('-'));
    return name;
}

std::string zsh_option_spec(const OptionDoc& o) {
    std::string prefix = o.repeatable ? "*" : "";
    std::vector<std::string> names;
    for (const auto& n : o.names) {
        bool long_name = n.starts_with("--");
        names.push_back(n + (o.takes_value ? (long_name ? "=" : "+") : ""));
    }
    std::string tail = "[" + zsh_description(o.description) + "]";
    if (o.takes_value) {
        tail += ":" + zsh_message(o) + ":" + zsh_action(o);
    }
    if (names.size() == 1) {
        return sh_quote(prefix + names.front() + tail);
    }
    return (prefix.empty() ? "" : sh_quote(prefix)) + "{" + join(names, ",") + "}" + sh_quote(tail);
}

std::string zsh_positional_spec(const OptionDoc& p) {
    std::string head = p.repeatable ? "*:" : (p.required ? ":" : "::");
    return sh_quote(head + p.names.front() + ":" + zsh_action(p));
}

void write_zsh_function(const CommandDoc& c, std::ostream& out) {
    out << identifier(c.path) << "() {\n";
    if (!c.commands.empty()) {
        out << "    local curcontext=$curcontext state line ret=1\n"
            << "    typeset -A opt_args\n";
    }
    out << "    _arguments -s -S" << (c.commands.empty() ? "" : " -C");
    for (const auto& o : c.options) {
        out << " \\\n        " << zsh_option_spec(o);
    }
    for (const auto& p : c.positionals) {
        out << " \\\n        " << zsh_positional_spec(p);
    }
    if (c.commands.empty()) {
        out << "\n}\n\n";
        return;
    }
    out << " \\\n        '1:command:->command' \\\n        '*::argument:->argument' && ret=0\n"
        << "    case $state in\n"
        << "        command)\n"
        << "            local -a commands=(";
    for (const auto& sub : c.commands) {
        std::string entry = sub.path.back() + ":";
        for (char ch : sub.description) {
            entry += ch == ':' ? std::string("\\:") : std::string(1, ch);
        }
        out << "\n                " << sh_quote(entry);
    }
    out << ")\n"
        << "            _describe -t commands " << sh_quote(join(c.path, " ") + " command")
        << " commands && ret=0 ;;\n"
        << "        argument)\n"
        << "            case $words[1] in\n";
    for (const auto& sub : c.commands) {
        out << "                " << sh_quote(sub.path.back()) << ") " << identifier(sub.path)
            << " && ret=0 ;;\n";
    }
    out << "            esac ;;\n"
        << "    esac\n"
        << "    return ret\n"
        << "}\n\n";
}

// ---- fish ----

std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\\' || c == '\'') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

// The condition under which a command's own completions apply: its path was typed, and no
// subcommand of it yet.
std::string fish_condition(const CommandDoc& c) {
    std::vector<std::string> parts;
    if (c.path.size() == 1) {
        parts.emplace_back("__fish_use_subcommand");
    }
    for (std::size_t i = 1; i < c.path.size(); ++i) {
        parts.push_back("__fish_seen_subcommand_from " + c.path[i]);
    }
    if (c.path.size() > 1 && !c.commands.empty()) {
        parts.push_back("not __fish_seen_subcommand_from " + join(command_names(c), " "));
    }
    return fish_quote(join(parts, "; and "));
}

std::string fish_values(const OptionDoc& o) {
    switch (o.hint.kind) {
        case ValueHint::Kind::Words:
            return " -x -a " + fish_quote(join(o.hint.words, " "));
        case ValueHint::Kind::Netns:
            return " -x -a " +
                   fish_quote(join(o.hint.words, " ") + (o.hint.words.empty() ? "" : " ") +
                              "(__portwatch_netns)");
        case ValueHint::Kind::Files:
            return " -r -F";
        case ValueHint::Kind::None:
            break;
    }
    return " -x";
}

}  // namespace

void write_zsh_completion(const CommandDoc& root, std::ostream& out) {
    out << "#compdef " << root.path.front() << "\n# zsh completion for " << root.path.front()
        << ". " << kGenerated << "\n\n"
        << "_portwatch_netns() {\n"
        << "    compadd -- \"$@\" ${${(f)\"$(ip netns list 2>/dev/null)\"}%% *}\n"
        << "}\n\n";
    for_each_command(root, [&](const CommandDoc& c) { write_zsh_function(c, out); });
    out << identifier(root.path) << " \"$@\"\n";
}

void write_fish_completion(const CommandDoc& root, std::ostream& out) {
    const std::string program = root.path.front();
    out << "# fish completion for " << program << ". " << kGenerated << "\n\n"
        << "function __portwatch_netns\n"
        << "    ip netns list 2>/dev/null | string replace -r ' .*' ''\n"
        << "end\n\n"
        << "complete -c " << program << " -f\n";
    for_each_command(root, [&](const CommandDoc& c) {
        const std::string head = "complete -c " + program + " -n " + fish_condition(c);
        out << "\n# " << join(c.path, " ") << '\n';
        for (const auto& sub : c.commands) {
            out << head << " -a " << fish_quote(sub.path.back()) << " -d "
                << fish_quote(sub.description) << '\n';
        }
        for (const auto& o : c.options) {
            out << head;
            for (const auto& n : o.names) {
                out << (n.starts_with("--") ? " -l " + n.substr(2) : " -s " + n.substr(1));
            }
            out << (o.takes_value ? fish_values(o) : "") << " -d " << fish_quote(o.description)
                << '\n';
        }
        for (const auto& p : c.positionals) {
            std::string values = fish_values(p);
            if (p.hint.kind == ValueHint::Kind::Files) {
                values = " -F";
            } else if (p.hint.kind == ValueHint::Kind::Words) {
                values = " -a " + fish_quote(join(p.hint.words, " "));
            }
            out << head << values << " -d " << fish_quote(p.description) << '\n';
        }
    });
}

}  // namespace portwatch::app
