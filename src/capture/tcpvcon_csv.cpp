#include "capture/tcpvcon_csv.h"

#include "capture/csv_fields.h"
#include "capture/endpoint_text.h"
#include "capture/state_words.h"
#include "capture/tokens.h"

namespace portwatch::capture {

RowResult parse_tcpvcon_row(std::string_view line, Row& row) {
    auto f = split_csv<8>(line);
    if (f.malformed || f.total != 6) {
        return RowResult::Mismatch;
    }
    std::string_view proto = f.at[0];
    auto word = parse_protocol_word(proto);
    if (!word) {
        return RowResult::Mismatch;
    }
    const core::Protocol protocol = word->protocol;
    const core::Family hint = word->family;
    auto local = parse_endpoint_text(f.at[4], hint, true);
    if (!local) {
        return RowResult::Mismatch;
    }
    row = Row{};
    auto& s = row.socket;
    s.protocol = protocol;
    s.local = std::move(local->endpoint);
    row.has_ports = local->has_port;
    if (f.at[5] == "*") {
        s.remote.address = core::IpAddress::any(s.local.address.family());
    } else {
        auto remote = parse_endpoint_text(f.at[5], s.local.address.family(), true);
        if (!remote) {
            return RowResult::Mismatch;
        }
        s.remote = std::move(remote->endpoint);
        row.has_ports = row.has_ports && remote->has_port;
    }
    row.named = local->named;
    std::int32_t pid = 0;
    if (!parse_decimal(f.at[2], pid) || pid < 0) {
        return RowResult::Mismatch;
    }
    row.pid_column = true;
    if (pid != 0) {
        row.add_owner(pid, f.at[1]);
    }
    if (protocol == core::Protocol::Udp) {
        s.state = s.remote.is_wildcard() ? core::TcpState::Close : core::TcpState::Established;
        return RowResult::Socket;
    }
    auto st = parse_state_word(f.at[3]);
    if (!st) {
        if (f.at[3].empty()) {
            return RowResult::Mismatch;
        }
        row.state_text = f.at[3];
    }
    s.state = st.value_or(core::TcpState::Unknown);
    return RowResult::Socket;
}

}  // namespace portwatch::capture
