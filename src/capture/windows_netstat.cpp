#include "capture/windows_netstat.h"

#include <array>

#include "capture/endpoint_text.h"
#include "capture/state_words.h"
#include "capture/tokens.h"

namespace portwatch::capture {

RowResult parse_windows_netstat_row(std::string_view line, Row& row) {
    auto f = split_fields<8>(line);
    if (f.size < 3) {
        return RowResult::Mismatch;
    }
    std::string_view proto = f.at[0];
    auto word = parse_protocol_word(proto);
    if (!word) {
        return RowResult::Mismatch;
    }
    const core::Protocol protocol = word->protocol;
    const core::Family hint = word->family;
    auto ends = parse_endpoint_pair(f.at[1], f.at[2], hint);
    if (!ends) {
        return RowResult::Mismatch;
    }
    if (f.total > f.size) {
        return RowResult::Mismatch;  // more than 5 state words: not a netstat row
    }
    row = Row{};
    auto& s = row.socket;
    s.protocol = protocol;
    s.local = std::move(ends->local);
    s.remote = std::move(ends->remote);
    row.named = ends->named;

    std::size_t state_begin = 3;
    std::size_t state_end = f.size;
    if (state_end > state_begin && all_digits(f.at[state_end - 1])) {
        std::int32_t pid = 0;
        if (!parse_decimal(f.at[state_end - 1], pid) || pid < 0) {
            return RowResult::Mismatch;
        }
        row.pid_column = true;
        if (pid != 0) {  // PID 0: TIME_WAIT and other ownerless sockets
            row.add_owner(pid, {});
        }
        --state_end;
    }
    if (!row.pid_column && state_end > state_begin) {
        // "SCHLIESSEN_WARTEN2288": a state word as long as its column, glued to the PID.
        std::string_view last = f.at[state_end - 1];
        std::size_t digits = last.size();
        while (digits > 0 && last[digits - 1] >= '0' && last[digits - 1] <= '9') {
            --digits;
        }
        std::int32_t pid = 0;
        if (digits > 0 && digits < last.size() && parse_state_word(last.substr(0, digits)) &&
            parse_decimal(last.substr(digits), pid)) {
            row.pid_column = true;
            if (pid != 0) {
                row.add_owner(pid, {});
            }
            f.at[state_end - 1] = last.substr(0, digits);
        }
    }
    std::string_view state;
    if (state_end > state_begin) {
        std::size_t from = f.offsets[state_begin];
        std::size_t to = f.offsets[state_end - 1] + f.at[state_end - 1].size();
        state = line.substr(from, to - from);
    }
    if (protocol == core::Protocol::Udp) {
        if (!state.empty()) {
            auto st = parse_state_word(state);
            if (!st) {
                return RowResult::Mismatch;
            }
            s.state = *st;
        } else {
            // Connected UDP sockets print their peer; the rest print *:*.
            s.state = s.remote.is_wildcard() ? core::TcpState::Close : core::TcpState::Established;
        }
        return RowResult::Socket;
    }
    if (state.empty()) {
        s.state = core::TcpState::Unknown;
        row.state_text = "(none)";
        return RowResult::Socket;
    }
    if (auto st = parse_state_word(state)) {
        s.state = *st;
    } else {
        s.state = core::TcpState::Unknown;
        row.state_text = state;
    }
    return RowResult::Socket;
}

OwnerLine classify_owner_line(std::string_view line) {
    std::string_view t = trim(line);
    if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
        return {OwnerLineKind::Executable, trim(t.substr(1, t.size() - 2))};
    }
    if (t.find('\\') != std::string_view::npos || t.find('/') != std::string_view::npos ||
        t.starts_with("--")) {
        return {OwnerLineKind::Component, t};
    }
    // A service name is one word (RpcSs, CDPUserSvc_46a8de2e); a sentence is netstat saying
    // it could not read the owner, in whatever language.
    if (t.find(' ') != std::string_view::npos) {
        return {OwnerLineKind::Unavailable, t};
    }
    return {OwnerLineKind::Service, t};
}

bool is_elevation_refusal(std::string_view line) {
    static constexpr std::array<std::string_view, 6> kTexts = {
        "requires elevation",        // The requested operation requires elevation.
        "erfordert erhöhte Rechte",  // Der angeforderte Vorgang erfordert erhöhte Rechte.
        "nécessite une élévation",   // L’opération demandée nécessite une élévation.
        "requiere elevación",        // La operación solicitada requiere elevación.
        "richiede elevazione",       // L'operazione richiesta richiede elevazione.
        "requer elevação",           // A operação solicitada requer elevação.
    };
    for (auto text : kTexts) {
        if (line.find(text) != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace portwatch::capture
