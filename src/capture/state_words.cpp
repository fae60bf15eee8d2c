#include "capture/state_words.h"

#include <array>

namespace portwatch::capture {

namespace {

using core::TcpState;

struct Word {
    std::string_view text;  // upper case, '_' for '-' and ' '
    TcpState state;
};

// Sources: the real tokens of Windows netstat (LISTENING ... BOUND, see
// reference/windows-netstat-and-ports.md §1.1), German Windows tokens seen in real captures
// (ABHÖREN, HERGESTELLT, WARTEND, SCHLIESSEN_WARTEN, FIN_WARTEN_2, SYN_GESENDET, SCHLIESSEND),
// the CP1252 misreading of ABHÖREN (ABH™REN), Get-NetTCPConnection's enum names, and the
// localized Windows and net-tools words for French, Spanish, Italian and Portuguese. Words not
// listed here keep their row: the state becomes Unknown and the capture reports the word.
constexpr std::array kWords = {
    // English: Windows netstat, net-tools, ss, MIB names, PowerShell
    Word{"LISTENING", TcpState::Listen},
    Word{"LISTEN", TcpState::Listen},
    Word{"ESTABLISHED", TcpState::Established},
    Word{"ESTAB", TcpState::Established},
    Word{"SYN_SENT", TcpState::SynSent},
    Word{"SYNSENT", TcpState::SynSent},
    Word{"SYN_RECEIVED", TcpState::SynRecv},
    Word{"SYN_RECV", TcpState::SynRecv},
    Word{"SYN_RCVD", TcpState::SynRecv},
    Word{"SYNRECEIVED", TcpState::SynRecv},
    Word{"FIN_WAIT_1", TcpState::FinWait1},
    Word{"FIN_WAIT1", TcpState::FinWait1},
    Word{"FINWAIT1", TcpState::FinWait1},
    Word{"FIN_WAIT_2", TcpState::FinWait2},
    Word{"FIN_WAIT2", TcpState::FinWait2},
    Word{"FINWAIT2", TcpState::FinWait2},
    Word{"TIME_WAIT", TcpState::TimeWait},
    Word{"TIMEWAIT", TcpState::TimeWait},
    Word{"CLOSE_WAIT", TcpState::CloseWait},
    Word{"CLOSEWAIT", TcpState::CloseWait},
    Word{"LAST_ACK", TcpState::LastAck},
    Word{"LASTACK", TcpState::LastAck},
    Word{"CLOSING", TcpState::Closing},
    Word{"CLOSED", TcpState::Close},
    Word{"CLOSE", TcpState::Close},
    Word{"DELETE_TCB", TcpState::Close},
    Word{"DELETETCB", TcpState::Close},
    Word{"UNCONN", TcpState::Close},
    Word{"BOUND", TcpState::Bound},
    // German (Windows)   [kEnglishWords ends here]
    Word{"ABHÖREN", TcpState::Listen},
    Word{"ABH™REN", TcpState::Listen},             // 0x99 read as CP1252
    Word{"ABH?REN", TcpState::Listen},             // ... through a lossy ASCII conversion
    Word{"ABH\xEF\xBF\xBDREN", TcpState::Listen},  // ... decoded as UTF-8 with U+FFFD
    Word{"HERGESTELLT", TcpState::Established},
    Word{"WARTEND", TcpState::TimeWait},
    Word{"SCHLIESSEN_WARTEN", TcpState::CloseWait},
    Word{"SYN_GESENDET", TcpState::SynSent},
    Word{"SYN_EMPFANGEN", TcpState::SynRecv},
    Word{"FIN_WARTEN_1", TcpState::FinWait1},
    Word{"FIN_WARTEN_2", TcpState::FinWait2},
    Word{"SCHLIESSEND", TcpState::Closing},
    Word{"LETZTE_BEST", TcpState::LastAck},
    Word{"LETZTES_ACK", TcpState::LastAck},
    Word{"GESCHLOSSEN", TcpState::Close},
    Word{"GEBUNDEN", TcpState::Bound},
    // German (net-tools)
    Word{"VERBUNDEN", TcpState::Established},
    Word{"HÖREN", TcpState::Listen},
    Word{"FIN_WARTEN1", TcpState::FinWait1},
    Word{"FIN_WARTEN2", TcpState::FinWait2},
    Word{"ZEIT_WARTEN", TcpState::TimeWait},
    // French
    Word{"ÉCOUTE", TcpState::Listen},
    Word{"À_L'ÉCOUTE", TcpState::Listen},
    Word{"ECOUTE", TcpState::Listen},
    Word{"ÉTABLIE", TcpState::Established},
    Word{"ETABLIE", TcpState::Established},
    Word{"ÉTABLI", TcpState::Established},
    Word{"ATTENTE_FERMETURE", TcpState::CloseWait},
    Word{"FERMÉ", TcpState::Close},
    Word{"LIÉ", TcpState::Bound},
    // Spanish
    Word{"ESCUCHANDO", TcpState::Listen},
    Word{"ESTABLECIDO", TcpState::Established},
    Word{"ESTABLECIDA", TcpState::Established},
    Word{"ENLAZADO", TcpState::Bound},
    Word{"CERRADO", TcpState::Close},
    // Italian
    Word{"IN_ASCOLTO", TcpState::Listen},
    Word{"ASCOLTO", TcpState::Listen},
    Word{"STABILITO", TcpState::Established},
    Word{"STABILITA", TcpState::Established},
    Word{"CHIUSO", TcpState::Close},
    // Portuguese
    Word{"ESCUTANDO", TcpState::Listen},
    Word{"OUVINDO", TcpState::Listen},
    Word{"ESTABELECIDA", TcpState::Established},
    Word{"ESTABELECIDO", TcpState::Established},
    Word{"FECHADO", TcpState::Close},
    Word{"VINCULADO", TcpState::Bound},
};

constexpr std::size_t kEnglishWords = 29;  // the entries before the German ones
static_assert(kWords[kEnglishWords - 1].text == "BOUND" && kWords[kEnglishWords].text == "ABHÖREN");

// Upper-cases ASCII and the Latin-1 lower-case letters used above (é, ö, ...; two-byte UTF-8
// sequences C3 A0..C3 BE map to C3 80..C3 9E), and folds '-' and ' ' to '_'.
struct Key {
    std::array<char, 48> bytes{};
    std::size_t size = 0;
    void push(char c) { bytes[size++] = c; }
    std::string_view view() const { return {bytes.data(), size}; }
};

bool normalize(std::string_view word, Key& out) {
    if (word.size() > 40) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        auto c = static_cast<unsigned char>(word[i]);
        if (c >= 'a' && c <= 'z') {
            out.push(static_cast<char>(c - 32));
        } else if (c == '-' || c == ' ') {
            out.push('_');
        } else if (c == 0xC3 && i + 1 < word.size()) {
            auto d = static_cast<unsigned char>(word[i + 1]);
            out.push(static_cast<char>(c));
            out.push(static_cast<char>(d >= 0xA0 && d <= 0xBE && d != 0xB7 ? d - 0x20 : d));
            ++i;
        } else {
            out.push(static_cast<char>(c));
        }
    }
    return true;
}

}  // namespace

std::optional<core::TcpState> parse_state_word(std::string_view word) {
    // Most rows carry an English word exactly as the table spells it: try that first.
    for (std::size_t i = 0; i < kEnglishWords; ++i) {
        if (kWords[i].text == word) {
            return kWords[i].state;
        }
    }
    Key key;
    if (!normalize(word, key)) {
        return std::nullopt;
    }
    for (const auto& entry : kWords) {
        if (entry.text == key.view()) {
            return entry.state;
        }
    }
    return std::nullopt;
}

bool is_udp_state_word(std::string_view word) {
    auto state = parse_state_word(word);
    return state && (*state == TcpState::Established || *state == TcpState::Close);
}

}  // namespace portwatch::capture
