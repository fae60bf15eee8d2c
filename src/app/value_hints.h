#pragma once
// What an option's or positional's values are, for the shell completions and man pages that
// are generated from the CLI11 tree (cli_docs.h). A hint travels with the option itself, as a
// validator that accepts every value and changes nothing (so --help and parsing stay as they
// were): a command that declares `complete_words(cmd->add_option(...), {...})` gets its
// values completed in bash, zsh and fish without any other file changing.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace portwatch::app {

struct ValueHint {
    enum class Kind {
        None,   // a value with no known words (a pid, a number, an address)
        Words,  // one of `words` (comma-separated lists when the option has a ',' delimiter)
        Netns,  // a namespace from `ip netns list` (read when Tab is pressed), or one of `words`
        Files,  // a file name
    };
    Kind kind = Kind::None;
    std::vector<std::string> words;
};

CLI::Option* complete_words(CLI::Option* option, const std::vector<std::string>& words);
CLI::Option* complete_netns(CLI::Option* option, const std::vector<std::string>& also = {});
CLI::Option* complete_files(CLI::Option* option);

// The hint attached by one of the functions above; Kind::None when there is none.
ValueHint value_hint(CLI::Option& option);

// The states `--state` accepts, as portwatch prints them (LISTEN, ESTABLISHED, ..., UNCONN).
std::vector<std::string> state_words();

}  // namespace portwatch::app
