#include "app/cli_docs.h"

#include <cctype>
#include <sstream>

namespace portwatch::app {

namespace {

OptionDoc describe_option(CLI::Option& opt) {
    OptionDoc d;
    d.positional = !opt.nonpositional();
    if (d.positional) {
        d.names.push_back(opt.get_name(true, false));
    } else {
        for (const auto& s : opt.get_snames()) {
            d.names.push_back("-" + s);
        }
        for (const auto& l : opt.get_lnames()) {
            d.names.push_back("--" + l);
        }
    }
    d.takes_value = opt.get_items_expected_max() > 0;
    d.repeatable = opt.get_items_expected_max() > 1 || opt.get_expected_max() > 1;
    d.required = opt.get_required();
    d.delimiter = opt.get_delimiter();
    d.value_name = d.takes_value ? opt.get_type_name() : "";
    d.description = opt.get_description();
    d.default_value = opt.get_default_str();
    for (const CLI::Option* other : opt.get_excludes()) {
        d.excludes.push_back(other->get_lnames().empty() ? other->get_name()
                                                         : "--" + other->get_lnames().front());
    }
    d.hint = value_hint(opt);
    return d;
}

void describe_into(CLI::App& app, CommandDoc& doc) {
    doc.description = app.get_description();
    doc.footer = app.get_footer();
    for (CLI::Option* opt : app.get_options()) {
        // Hidden options (no group) are not documented, as --help does not show them.
        if (opt->get_group().empty()) {
            continue;
        }
        OptionDoc d = describe_option(*opt);
        (d.positional ? doc.positionals : doc.options).push_back(std::move(d));
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return !s->get_group().empty(); })) {
        CommandDoc child;
        child.path = doc.path;
        child.path.push_back(sub->get_name());
        describe_into(*sub, child);
        doc.commands.push_back(std::move(child));
    }
}

// Roff text: a backslash is \e; every '-' is \- (an ASCII minus, so options and commands
// copied from the page work); a line may not start with '.' or '\''.
std::string roff(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else {
            out += c;
        }
    }
    return out;
}

std::string roff_line(std::string_view text) {
    std::string line = roff(text);
    if (line.starts_with('.') || line.starts_with('\'')) {
        line.insert(0, "\\&");
    }
    return line;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        out += (i == 0 ? "" : std::string(sep)) + parts[i];
    }
    return out;
}

std::string bold(std::string_view text) {
    return "\\fB" + roff(text) + "\\fR";
}
std::string italic(std::string_view text) {
    return "\\fI" + roff(text) + "\\fR";
}

std::string capitalised(std::string_view text) {
    std::string out(text);
    if (!out.empty()) {
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    }
    return out;
}

std::string sentence(std::string text) {
    if (!text.empty() && text.back() != '.') {
        text += '.';
    }
    return text;
}

// A footer line that opens a section: "EXAMPLES:", "EXIT STATUS (Nagios plugin convention):".
bool is_heading(std::string_view line) {
    if (line.empty() || !line.ends_with(':') || line.size() < 3 ||
        !std::isupper(static_cast<unsigned char>(line[0])) ||
        !std::isupper(static_cast<unsigned char>(line[1]))) {
        return false;
    }
    auto word_end = line.find_first_of(" :(");
    for (char c : line.substr(0, word_end)) {
        if (std::islower(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

// The footer as man sections: a heading becomes .SH (its parenthesis, if any, the first
// paragraph); indented lines are kept as they are (.nf), other lines are flowing text.
// Text before the first heading belongs to DESCRIPTION, which the caller has opened.
void write_footer(std::ostream& out, std::string_view footer) {
    bool preformatted = false;
    auto end_block = [&] {
        if (preformatted) {
            out << ".fi\n";
            preformatted = false;
        }
    };
    std::istringstream lines{std::string(footer)};
    std::string line;
    while (std::getline(lines, line)) {
        if (is_heading(line)) {
            end_block();
            std::string_view heading(line);
            heading.remove_suffix(1);
            auto paren = heading.find(" (");
            out << ".SH " << roff_line(upper(heading.substr(0, paren))) << '\n';
            if (paren != std::string_view::npos) {
                out << roff_line(heading.substr(paren + 1)) << "\n.PP\n";
            }
        } else if (line.empty()) {
            end_block();
            out << ".PP\n";
        } else if (line.starts_with(' ')) {
            if (!preformatted) {
                out << ".nf\n";
                preformatted = true;
            }
            out << roff_line(line) << '\n';
        } else {
            end_block();
            out << roff_line(line) << '\n';
        }
    }
    end_block();
}

void write_option(std::ostream& out, const OptionDoc& o) {
    out << ".TP\n";
    if (o.positional) {
        out << italic(o.names.front()) << (o.repeatable ? " ..." : "") << '\n';
    } else {
        std::vector<std::string> names;
        names.reserve(o.names.size());
        for (const auto& n : o.names) {
            names.push_back(bold(n));
        }
        out << join(names, ", ");
        if (o.takes_value) {
            out << ' ' << italic(o.value_name) << (o.repeatable ? " ..." : "");
        }
        out << '\n';
    }
    std::string text = sentence(o.description);
    if (o.delimiter == ',') {
        text += " Several values may be given, separated by commas.";
    }
    if (!o.default_value.empty()) {
        text += " Default: " + o.default_value + ".";
    }
    if (!o.excludes.empty()) {
        text += " Not with " + join(o.excludes, ", ") + ".";
    }
    out << roff_line(text) << '\n';
}

std::string synopsis_args(const CommandDoc& c) {
    std::string s = "[\\fIOPTIONS\\fR]";
    if (!c.commands.empty()) {
        s += " \\fICOMMAND\\fR [\\fIARGS\\fR]";
    }
    for (const auto& p : c.positionals) {
        std::string arg = italic(p.names.front()) + (p.repeatable ? " ..." : "");
        s += " " + (p.required ? arg : "[" + arg + "]");
    }
    return s;
}

ManPage man_page(const CommandDoc& c, std::string_view version,
                 const std::vector<std::string>& see_also) {
    std::ostringstream out;
    const std::string name = c.name();
    // "portwatch: find and explain ..." reads "find and explain ..." after the page's name.
    std::string_view what = c.description;
    if (const std::string own = c.path.back() + ": "; what.starts_with(own)) {
        what.remove_prefix(own.size());
    }
    out << ".\\\" Generated from portwatch's command-line definition by portwatch-gen-cli-docs;\n"
        << ".\\\" do not edit.\n"
        << ".TH " << roff(upper(name)) << " 1 \"\" \"portwatch " << roff(version)
        << "\" \"portwatch manual\"\n"
        << ".nh\n.ad l\n"
        << ".SH NAME\n"
        << roff(name) << " \\- " << roff_line(what) << '\n'
        << ".SH SYNOPSIS\n"
        << ".B " << roff(join(c.path, " ")) << '\n'
        << synopsis_args(c) << '\n'
        << ".SH DESCRIPTION\n"
        << roff_line(sentence(capitalised(what))) << '\n';
    if (c.path.size() == 1) {
        out << ".PP\nEach command has its own page: " << bold("man " + c.path.front() + "-COMMAND")
            << ".\n";
    }
    if (!c.commands.empty()) {
        out << ".SH COMMANDS\n";
        for (const auto& sub : c.commands) {
            out << ".TP\n"
                << bold(sub.path.back()) << '\n'
                << roff_line(sentence(sub.description)) << " See " << bold(sub.name()) << "(1).\n";
        }
    }
    if (!c.positionals.empty()) {
        out << ".SH ARGUMENTS\n";
        for (const auto& p : c.positionals) {
            write_option(out, p);
        }
    }
    out << ".SH OPTIONS\n";
    for (const auto& o : c.options) {
        write_option(out, o);
    }
    if (!c.footer.empty()) {
        if (c.footer.find(':') == std::string::npos ||
            !is_heading(c.footer.substr(0, c.footer.find('\n')))) {
            out << ".SH NOTES\n";
        }
        write_footer(out, c.footer);
    }
    out << ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < see_also.size(); ++i) {
        out << bold(see_also[i]) << "(1)" << (i + 1 < see_also.size() ? ",\n" : "\n");
    }
    return {name, out.str()};
}

void collect_pages(const CommandDoc& c, std::string_view version, std::vector<ManPage>& pages,
                   const CommandDoc& root) {
    std::vector<std::string> see_also;
    if (c.path.size() > 1) {
        see_also.push_back(root.name());
    }
    for (const auto& sub : c.commands) {
        see_also.push_back(sub.name());
    }
    if (see_also.empty()) {
        see_also.push_back(root.name());
    }
    pages.push_back(man_page(c, version, see_also));
    for (const auto& sub : c.commands) {
        collect_pages(sub, version, pages, root);
    }
}

}  // namespace

std::string CommandDoc::name() const {
    return join(path, "-");
}

CommandDoc describe_cli(CLI::App& app) {
    CommandDoc doc;
    doc.path = {app.get_name()};
    describe_into(app, doc);
    return doc;
}

std::vector<ManPage> man_pages(const CommandDoc& root, std::string_view version) {
    std::vector<ManPage> pages;
    collect_pages(root, version, pages, root);
    return pages;
}

}  // namespace portwatch::app
