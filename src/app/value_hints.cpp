#include "app/value_hints.h"

#include "core/socket.h"

namespace portwatch::app {

namespace {

// The validator's name carries the hint: "complete:<kind>:<word>,<word>...". Words never
// hold a comma (they are state names, pattern names, keywords).
constexpr std::string_view kPrefix = "complete:";

CLI::Option* attach(CLI::Option* option, std::string_view kind,
                    const std::vector<std::string>& words) {
    std::string name = std::string(kPrefix) + std::string(kind) + ":";
    for (std::size_t i = 0; i < words.size(); ++i) {
        name += (i == 0 ? "" : ",") + words[i];
    }
    // A check with an empty description: accepts everything, adds nothing to --help.
    return option->check(
        CLI::Validator([](const std::string&) { return std::string(); }, "", std::move(name)));
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    while (!text.empty()) {
        auto comma = text.find(',');
        words.emplace_back(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return words;
}

}  // namespace

CLI::Option* complete_words(CLI::Option* option, const std::vector<std::string>& words) {
    return attach(option, "words", words);
}

CLI::Option* complete_netns(CLI::Option* option, const std::vector<std::string>& also) {
    return attach(option, "netns", also);
}

CLI::Option* complete_files(CLI::Option* option) {
    return attach(option, "files", {});
}

ValueHint value_hint(CLI::Option& option) {
    // CLI11 2.1 has no count of an option's validators: get_validator(index) throws
    // OptionNotFound past the last one, which ends the walk.
    for (int i = 0;; ++i) {
        const CLI::Validator* validator = nullptr;
        try {
            validator = option.get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            return {};
        }
        std::string_view name = validator->get_name();
        if (!name.starts_with(kPrefix)) {
            continue;
        }
        name.remove_prefix(kPrefix.size());
        auto colon = name.find(':');
        std::string_view kind = name.substr(0, colon);
        ValueHint hint;
        hint.words = split_words(colon == std::string_view::npos ? "" : name.substr(colon + 1));
        hint.kind = kind == "words"   ? ValueHint::Kind::Words
                    : kind == "netns" ? ValueHint::Kind::Netns
                    : kind == "files" ? ValueHint::Kind::Files
                                      : ValueHint::Kind::None;
        return hint;
    }
}

std::vector<std::string> state_words() {
    using core::TcpState;
    std::vector<std::string> words;
    for (TcpState s :
         {TcpState::Listen, TcpState::Established, TcpState::SynSent, TcpState::SynRecv,
          TcpState::FinWait1, TcpState::FinWait2, TcpState::TimeWait, TcpState::CloseWait,
          TcpState::LastAck, TcpState::Closing, TcpState::Bound}) {
        words.emplace_back(core::state_name(core::Protocol::Tcp, s));
    }
    words.emplace_back(core::state_name(core::Protocol::Udp, TcpState::Close));
    return words;
}

}  // namespace portwatch::app
