#include "capture/nettools_netstat.h"

#include "capture/endpoint_text.h"
#include "capture/state_words.h"
#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

bool is_timer_word(std::string_view word) {
    return word == "off" || word == "on" || word == "keepalive" || word == "timewait" ||
           word == "probe" || word.starts_with("unkn-");
}

}  // namespace

RowResult parse_nettools_row(std::string_view line, Row& row) {
    auto f = split_fields<16>(line);
    if (f.size < 1) {
        return RowResult::Mismatch;
    }
    std::string_view proto = f.at[0];
    auto word = parse_protocol_word(proto);
    if (!word) {
        const bool other = proto == "unix" || proto == "raw" || proto == "raw6" ||
                           proto == "sctp" || proto == "sctp6";
        return other && f.size >= 3 && all_digits(f.at[1]) ? RowResult::Skipped
                                                           : RowResult::Mismatch;
    }
    const core::Protocol protocol = word->protocol;
    const core::Family hint = word->family;
    if (f.size < 5 || !all_digits(f.at[1]) || !all_digits(f.at[2])) {
        return RowResult::Mismatch;
    }
    // Without -W an IPv6 address that fills its column may be cut (parse_cut_endpoint).
    bool cut = false;
    bool named = false;
    auto column = [&](std::string_view text, core::Family family) -> std::optional<core::Endpoint> {
        if (hint == core::Family::Ipv6) {
            if (auto e = parse_cut_endpoint(text)) {
                cut = true;
                return e;
            }
        }
        auto e = parse_endpoint_text(text, family);
        if (!e) {
            return std::nullopt;
        }
        named = named || e->named;
        return std::move(e->endpoint);
    };
    auto local = column(f.at[3], hint);
    if (!local) {
        return RowResult::Mismatch;
    }
    auto remote = column(f.at[4], local->address.family());
    if (!remote) {
        return RowResult::Mismatch;
    }
    row = Row{};
    auto& s = row.socket;
    s.protocol = protocol;
    parse_decimal(f.at[1], s.rqueue);
    parse_decimal(f.at[2], s.wqueue);
    s.local = std::move(*local);
    s.remote = std::move(*remote);
    row.named = named;
    row.cut = cut;
    row.wide = f.at[3].size() > kNetToolsEndpointWidth || f.at[4].size() > kNetToolsEndpointWidth;

    std::size_t i = 5;
    if (i < f.size) {
        if (auto st = parse_state_word(f.at[i])) {
            s.state = *st;
            ++i;
        } else if (protocol == core::Protocol::Tcp && !all_digits(f.at[i]) &&
                   f.at[i].find('/') == std::string_view::npos && f.at[i] != "-") {
            row.state_text = f.at[i];  // a translated state word we do not know
            ++i;
        }
    }
    if (protocol == core::Protocol::Udp && s.state == core::TcpState::Unknown) {
        s.state = core::TcpState::Close;
    }
    if (protocol == core::Protocol::Tcp && s.state == core::TcpState::Unknown &&
        row.state_text.empty()) {
        row.state_text = "(none)";
    }
    // -e: user and inode; -p: "PID/Program name" (the name may hold spaces) or "-".
    std::size_t before_owner = i;
    for (; i < f.size; ++i) {
        std::string_view t = f.at[i];
        auto slash = t.find('/');
        if (slash != std::string_view::npos && slash > 0 && all_digits(t.substr(0, slash))) {
            std::int32_t pid = 0;
            if (!parse_decimal(t.substr(0, slash), pid)) {
                return RowResult::Mismatch;
            }
            // The program name runs to the end of the line, or to an -o timer column.
            std::size_t name_from = f.offsets[i] + slash + 1;
            std::size_t name_to = line.size();
            for (std::size_t j = i + 1; j < f.size; ++j) {
                if (is_timer_word(f.at[j]) && j + 1 < f.size && f.at[j + 1].starts_with("(")) {
                    name_to = f.offsets[j];
                    break;
                }
            }
            row.add_owner(pid, trim(line.substr(name_from, name_to - name_from)));
            row.pid_column = true;
            break;
        }
        if (t == "-") {
            row.pid_column = true;
            break;
        }
    }
    // The two fields before the owner column are -e's user and inode.
    if (i - before_owner >= 2 && all_digits(f.at[before_owner + 1])) {
        parse_decimal(f.at[before_owner + 1], s.inode);
        std::uint32_t uid = 0;
        if (parse_decimal(f.at[before_owner], uid)) {
            s.uid = uid;
        }
    }
    return RowResult::Socket;
}

}  // namespace portwatch::capture
