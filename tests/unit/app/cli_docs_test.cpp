// The man pages and completions generated from a CLI11 tree: built on small trees here (the
// real one is checked against --help by tests/package/check_cli_docs.sh).

#include "app/cli_docs.h"

#include <gtest/gtest.h>

#include <sstream>

#include "app/cli_tree.h"
#include "app/value_hints.h"
#include "app/version.h"

namespace portwatch::app {
namespace {

struct Sample {
    std::vector<std::string> states;
    std::string netns, mode = "fast";
    std::vector<std::string> files;
    bool json = false, csv = false;
    CLI::App app{"tool: does things", "tool"};

    Sample() {
        CLI::App* run = app.add_subcommand("run", "Run it - now");
        complete_words(run->add_option("-s,--state", states, "states"), {"A", "B"})->delimiter(',');
        complete_netns(run->add_option("--netns", netns, "where"), {"all"});
        complete_words(run->add_option("--mode", mode, "how"), {"fast", "slow"})
            ->capture_default_str();
        auto* j = run->add_flag("--json", json, "JSON [schema]");
        auto* c = run->add_flag("--csv", csv, ".csv it's");
        j->excludes(c);
        complete_files(run->add_option("FILE", files, "inputs"))->required();
        run->footer("EXAMPLES:\n  tool run --json x\n\nThen read it.");
        app.add_subcommand("secret", "not shown")->group("");
    }
};

TEST(CliDocs, DescribesCommandsOptionsAndHints) {
    Sample s;
    CommandDoc root = describe_cli(s.app);
    ASSERT_EQ(root.commands.size(), 1u);  // the hidden command is left out
    const CommandDoc& run = root.commands.front();
    EXPECT_EQ(run.name(), "tool-run");
    ASSERT_EQ(run.positionals.size(), 1u);
    EXPECT_EQ(run.positionals[0].names, std::vector<std::string>{"FILE"});
    EXPECT_EQ(run.positionals[0].hint.kind, ValueHint::Kind::Files);
    EXPECT_TRUE(run.positionals[0].required);
    const OptionDoc& state = run.options[1];  // --help first
    EXPECT_EQ(state.names, (std::vector<std::string>{"-s", "--state"}));
    EXPECT_TRUE(state.takes_value && state.repeatable);
    EXPECT_EQ(state.delimiter, ',');
    EXPECT_EQ(state.hint.kind, ValueHint::Kind::Words);
    EXPECT_EQ(state.hint.words, (std::vector<std::string>{"A", "B"}));
    EXPECT_EQ(run.options[2].hint.kind, ValueHint::Kind::Netns);
    EXPECT_EQ(run.options[2].hint.words, std::vector<std::string>{"all"});
    EXPECT_EQ(run.options[3].default_value, "fast");
    EXPECT_EQ(run.options[4].excludes, std::vector<std::string>{"--csv"});
}

TEST(CliDocs, HintsChangeNeitherHelpNorParsing) {
    Sample s;
    std::string help = s.app.get_subcommand("run")->help();
    EXPECT_EQ(help.find("complete"), std::string::npos) << help;
    // CLI11 takes a vector reversed: this is `run --state NOT_A_WORD x`.
    s.app.parse(std::vector<std::string>{"x", "NOT_A_WORD", "--state", "run"});
    EXPECT_EQ(s.states, std::vector<std::string>{"NOT_A_WORD"});
}

TEST(CliDocs, ManPageIsEscapedRoff) {
    Sample s;
    auto pages = man_pages(describe_cli(s.app), "1.2.3");
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages[0].name, "tool");
    EXPECT_NE(pages[0].roff.find("tool \\- does things\n"), std::string::npos) << pages[0].roff;
    EXPECT_NE(pages[0].roff.find("See \\fBtool\\-run\\fR(1)."), std::string::npos);
    EXPECT_NE(pages[0].roff.find("Does things.\n.PP\nEach command has its own page: "
                                 "\\fBman tool\\-COMMAND\\fR.\n"),
              std::string::npos)
        << pages[0].roff;
    const std::string& run = pages[1].roff;
    EXPECT_NE(run.find(".TH TOOL\\-RUN 1 \"\" \"portwatch 1.2.3\""), std::string::npos) << run;
    EXPECT_NE(run.find("\\fB\\-s\\fR, \\fB\\-\\-state\\fR \\fITEXT\\fR ..."), std::string::npos);
    EXPECT_NE(run.find("Default: fast."), std::string::npos);
    EXPECT_NE(run.find("Not with \\-\\-csv."), std::string::npos);
    EXPECT_NE(run.find("\\&.csv it's."), std::string::npos) << "a line starting with '.'";
    EXPECT_NE(run.find(".SH EXAMPLES\n.nf\n  tool run \\-\\-json x\n.fi\n.PP\nThen read it.\n"),
              std::string::npos)
        << run;
    EXPECT_NE(run.find(".B tool run\n[\\fIOPTIONS\\fR] \\fIFILE\\fR ...\n"), std::string::npos)
        << run;
}

TEST(CliDocs, CompletionsCarryEveryOptionAndValue) {
    Sample s;
    CommandDoc root = describe_cli(s.app);
    std::ostringstream bash, zsh, fish;
    write_bash_completion(root, bash);
    write_zsh_completion(root, zsh);
    write_fish_completion(root, fish);
    EXPECT_NE(bash.str().find("'tool run -s' | 'tool run --state')\n            _portwatch_reply "
                              "'A B' list"),
              std::string::npos)
        << bash.str();
    EXPECT_NE(bash.str().find("_portwatch_reply \"all $(_portwatch_netns)\""), std::string::npos);
    EXPECT_NE(bash.str().find("complete -F _tool tool"), std::string::npos);
    EXPECT_EQ(bash.str().find("secret"), std::string::npos);
    EXPECT_NE(zsh.str().find("'*'{-s+,--state=}'[states]:state:_sequence compadd - A B'"),
              std::string::npos)
        << zsh.str();
    EXPECT_NE(zsh.str().find("'--json[JSON \\[schema\\]]'"), std::string::npos) << zsh.str();
    EXPECT_NE(zsh.str().find("'*:FILE:_files'"), std::string::npos);
    EXPECT_NE(fish.str().find("-n '__fish_seen_subcommand_from run' -l mode -x -a 'fast slow'"),
              std::string::npos)
        << fish.str();
    EXPECT_NE(fish.str().find("-l csv -d '.csv it\\'s'"), std::string::npos) << fish.str();
}

TEST(CliDocs, PortwatchTreeCompletesStatesPatternsAndNamespaces) {
    CliTree tree;
    CommandDoc root = describe_cli(tree.app);
    std::ostringstream bash;
    write_bash_completion(root, bash);
    for (const char* part : {"TIME_WAIT", "CLOSE_WAIT", "UNCONN", "churn", "dead-backend",
                             "_portwatch_netns", "'portwatch diagnose --netns'"}) {
        EXPECT_NE(bash.str().find(part), std::string::npos) << part;
    }
    EXPECT_EQ(state_words().front(), "LISTEN");
    EXPECT_EQ(state_words().back(), "UNCONN");
}

TEST(Version, SaysVersionCommitAndFeatures) {
    const std::array<Feature, 2> features{{{"bpf", true}, {"sqlite", false}}};
    BuildInfo info{"1.2.3", "0123456789abcdef0123456789abcdef01234567", false, features};
    EXPECT_EQ(version_text(info),
              "portwatch 1.2.3\ncommit: 0123456789abcdef0123456789abcdef01234567\n"
              "features: +bpf -sqlite\n");
    info.modified = true;
    EXPECT_NE(version_text(info).find("01234567, with uncommitted changes\n"), std::string::npos);
    info.commit = "";
    EXPECT_NE(version_text(info).find("commit: unknown (not built from a git checkout)\n"),
              std::string::npos);
    info.features = {};
    EXPECT_NE(version_text(info).find("features: none optional\n"), std::string::npos);
}

}  // namespace
}  // namespace portwatch::app
