#include "capture/ss_output.h"

#include <array>

#include "capture/endpoint_text.h"
#include "capture/state_words.h"
#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

constexpr std::array<std::string_view, 17> kOtherNetids = {
    "u_str", "u_dgr", "u_seq", "nl",    "p_raw", "p_dgr", "raw",  "icmp6",  "sctp",
    "dccp",  "tipc",  "v_str", "v_dgr", "xdp",   "mptcp", "u_sq", "unknown"};

bool is_ss_state(std::string_view word) {
    // ss's own spellings; parse_state_word also knows them, but a Netid-less row must start
    // with one of these exactly.
    static constexpr std::array<std::string_view, 14> kStates = {
        "ESTAB",      "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
        "CLOSE-WAIT", "LAST-ACK", "LISTEN",   "CLOSING",    "UNKNOWN",    "BOUND",     "CLOSE"};
    for (auto s : kStates) {
        if (s == word) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool parse_ss_users(std::string_view text, Row& row) {
    // users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6))
    if (!text.starts_with("users:((")) {
        return false;
    }
    std::size_t i = 7;  // at the '(' of the first entry
    while (i < text.size() && text[i] == '(') {
        ++i;
        if (i >= text.size() || text[i] != '"') {
            return false;
        }
        // The name is quoted; a process may put anything but a quote-paren in its comm.
        auto close = text.find("\",", i + 1);
        if (close == std::string_view::npos) {
            return false;
        }
        std::string_view name = text.substr(i + 1, close - i - 1);
        i = close + 2;
        auto end = text.find(')', i);
        if (end == std::string_view::npos) {
            return false;
        }
        std::string_view fields = text.substr(i, end - i);  // pid=1,fd=2  or  1,2
        std::string_view first = fields.substr(0, fields.find(','));
        if (first.starts_with("pid=")) {
            first.remove_prefix(4);
        }
        std::int32_t pid = 0;
        if (!parse_decimal(first, pid) || pid <= 0) {
            return false;
        }
        row.add_owner(pid, name);
        i = end + 1;
        if (i < text.size() && text[i] == ',') {
            ++i;
        } else {
            break;
        }
    }
    return i < text.size() && text[i] == ')';
}

RowResult parse_ss_row(std::string_view line, bool udp_table, Row& row) {
    auto f = split_fields<8>(line);
    if (f.size < 5) {
        return RowResult::Mismatch;
    }
    std::size_t k = 0;
    core::Protocol protocol = core::Protocol::Tcp;
    std::string_view netid = f.at[0];
    if (netid == "tcp") {
        k = 1;
    } else if (netid == "udp") {
        protocol = core::Protocol::Udp;
        k = 1;
    } else {
        for (auto other : kOtherNetids) {
            if (netid == other) {
                return f.size >= 4 && is_ss_state(f.at[1]) ? RowResult::Skipped
                                                           : RowResult::Mismatch;
            }
        }
        if (!is_ss_state(netid)) {
            return RowResult::Mismatch;
        }
        if (netid == "UNCONN" || udp_table) {
            protocol = core::Protocol::Udp;
        }
    }
    if (f.size < k + 5 || !is_ss_state(f.at[k]) || !all_digits(f.at[k + 1]) ||
        !all_digits(f.at[k + 2])) {
        return RowResult::Mismatch;
    }
    auto ends = parse_endpoint_pair(f.at[k + 3], f.at[k + 4]);
    if (!ends) {
        return RowResult::Mismatch;
    }
    row = Row{};
    auto& s = row.socket;
    s.protocol = protocol;
    auto st = parse_state_word(f.at[k]);
    s.state = st ? *st : core::TcpState::Unknown;
    if (!st) {
        row.state_text = f.at[k];
    }
    parse_decimal(f.at[k + 1], s.rqueue);
    parse_decimal(f.at[k + 2], s.wqueue);
    s.local = std::move(ends->local);
    s.remote = std::move(ends->remote);
    row.named = ends->named;
    // Extras after the peer: users:((...)) (may hold spaces in names), uid:N, ino:N, sk:...
    if (f.size > k + 5) {
        std::string_view rest = line.substr(f.offsets[k + 5]);
        auto users = rest.find("users:((");
        if (users != std::string_view::npos) {
            row.pid_column = true;
            if (!parse_ss_users(rest.substr(users), row)) {
                row.owner_count = 0;
                return RowResult::Mismatch;
            }
        }
        auto field_value = [&](std::string_view key) -> std::string_view {
            std::size_t at = 0;
            while ((at = rest.find(key, at)) != std::string_view::npos) {
                if (at == 0 || is_space(rest[at - 1])) {
                    std::size_t from = at + key.size();
                    std::size_t to = from;
                    while (to < rest.size() && !is_space(rest[to])) {
                        ++to;
                    }
                    return rest.substr(from, to - from);
                }
                at += key.size();
            }
            return {};
        };
        std::uint32_t uid = 0;
        if (parse_decimal(field_value("uid:"), uid)) {
            s.uid = uid;
        }
        parse_decimal(field_value("ino:"), s.inode);
    }
    return RowResult::Socket;
}

}  // namespace portwatch::capture
