#include "capture/powershell_export.h"

#include "capture/csv_fields.h"
#include "capture/state_words.h"
#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

constexpr std::size_t kMaxColumns = 48;

bool parse_address(std::string_view text, core::IpAddress& out) {
    auto a = core::IpAddress::parse(text);
    if (!a) {
        return false;
    }
    out = *a;
    return true;
}

bool parse_port(std::string_view text, std::uint16_t& out) {
    unsigned value = 0;
    if (!parse_decimal(text, value) || value > 65535) {
        return false;
    }
    out = static_cast<std::uint16_t>(value);
    return true;
}

bool parse_pid(std::string_view text, Row& row) {
    std::int32_t pid = 0;
    if (!parse_decimal(text, pid) || pid < 0) {
        return false;
    }
    row.pid_column = true;
    if (pid != 0) {
        row.add_owner(pid, {});
    }
    return true;
}

}  // namespace

std::optional<core::TcpState> parse_powershell_state(std::string_view text) {
    using core::TcpState;
    unsigned number = 0;
    if (parse_decimal(text, number)) {
        switch (number) {
            case 1:
                return TcpState::Close;
            case 2:
                return TcpState::Listen;
            case 3:
                return TcpState::SynSent;
            case 4:
                return TcpState::SynRecv;
            case 5:
                return TcpState::Established;
            case 6:
                return TcpState::FinWait1;
            case 7:
                return TcpState::FinWait2;
            case 8:
                return TcpState::CloseWait;
            case 9:
                return TcpState::Closing;
            case 10:
                return TcpState::LastAck;
            case 11:
                return TcpState::TimeWait;
            case 12:
                return TcpState::Close;  // DeleteTCB
            case 100:
                return TcpState::Bound;
            default:
                return std::nullopt;
        }
    }
    return parse_state_word(text);
}

std::optional<PowerShellColumns> parse_powershell_csv_header(std::string_view line) {
    if (line.find("LocalAddress") == std::string_view::npos) {
        return std::nullopt;
    }
    auto f = split_csv<kMaxColumns>(line);
    if (f.malformed) {
        return std::nullopt;
    }
    PowerShellColumns c;
    for (std::size_t i = 0; i < f.size; ++i) {
        auto name = trim(f.at[i]);
        int at = static_cast<int>(i);
        if (name == "LocalAddress")
            c.local_address = at;
        else if (name == "LocalPort")
            c.local_port = at;
        else if (name == "RemoteAddress")
            c.remote_address = at;
        else if (name == "RemotePort")
            c.remote_port = at;
        else if (name == "State")
            c.state = at;
        else if (name == "OwningProcess")
            c.owning_process = at;
        else if (name == "CreationTime")
            c.creation_time = at;
    }
    if (c.local_address < 0 || c.local_port < 0 || f.size < 2) {
        return std::nullopt;
    }
    return c;
}

RowResult parse_powershell_csv_row(std::string_view line, const PowerShellColumns& c, Row& row) {
    auto f = split_csv<kMaxColumns>(line);
    if (f.malformed) {
        return RowResult::Mismatch;
    }
    auto field = [&](int at) -> std::string_view {
        return at >= 0 && static_cast<std::size_t>(at) < f.size ? trim(f.at[at])
                                                                : std::string_view();
    };
    row = Row{};
    auto& s = row.socket;
    if (!parse_address(field(c.local_address), s.local.address) ||
        !parse_port(field(c.local_port), s.local.port)) {
        return RowResult::Mismatch;
    }
    if (c.udp()) {
        s.protocol = core::Protocol::Udp;
        s.state = core::TcpState::Close;
        s.remote.address = core::IpAddress::any(s.local.address.family());
    } else {
        s.protocol = core::Protocol::Tcp;
        if (!parse_address(field(c.remote_address), s.remote.address) ||
            !parse_port(field(c.remote_port), s.remote.port)) {
            return RowResult::Mismatch;
        }
        auto st = parse_powershell_state(field(c.state));
        if (!st) {
            if (field(c.state).empty()) {
                return RowResult::Mismatch;
            }
            row.state_text = field(c.state);
        }
        s.state = st.value_or(core::TcpState::Unknown);
    }
    if (c.owning_process >= 0 && !parse_pid(field(c.owning_process), row)) {
        return RowResult::Mismatch;
    }
    return RowResult::Socket;
}

bool is_powershell_table_header(std::string_view line, bool& udp) {
    auto f = split_fields<8>(line);
    if (f.size < 2 || f.at[0] != "LocalAddress" || f.at[1] != "LocalPort") {
        return false;
    }
    udp = f.size < 3 || f.at[2] != "RemoteAddress";
    return true;
}

RowResult parse_powershell_table_row(std::string_view line, bool udp, Row& row) {
    auto f = split_fields<8>(line);
    if (f.size < 2) {
        return RowResult::Mismatch;
    }
    row = Row{};
    auto& s = row.socket;
    if (!parse_address(f.at[0], s.local.address) || !parse_port(f.at[1], s.local.port)) {
        return RowResult::Mismatch;
    }
    if (udp) {
        s.protocol = core::Protocol::Udp;
        s.state = core::TcpState::Close;
        s.remote.address = core::IpAddress::any(s.local.address.family());
        // Get-NetUDPEndpoint | ft LocalAddress,LocalPort,OwningProcess
        if (f.size >= 3 && !parse_pid(f.at[f.size - 1], row)) {
            return RowResult::Mismatch;
        }
        return RowResult::Socket;
    }
    if (f.size < 5 || !parse_address(f.at[2], s.remote.address) ||
        !parse_port(f.at[3], s.remote.port)) {
        return RowResult::Mismatch;
    }
    s.protocol = core::Protocol::Tcp;
    auto st = parse_powershell_state(f.at[4]);
    if (!st) {
        return RowResult::Mismatch;
    }
    s.state = *st;
    // Then AppliedSetting (often empty) and OwningProcess, the last all-digit column.
    if (f.size >= 6 && all_digits(f.at[f.size - 1]) && !parse_pid(f.at[f.size - 1], row)) {
        return RowResult::Mismatch;
    }
    return RowResult::Socket;
}

}  // namespace portwatch::capture
