#include "collect/windows/mib_tables.h"

#include <algorithm>
#include <cstring>

namespace portwatch::collect::windows {

namespace {

std::uint32_t u32_at(std::span<const std::byte> b, std::size_t offset) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        v |= static_cast<std::uint32_t>(b[offset + i]) << (8 * i);
    }
    return v;
}

core::IpAddress v4_at(std::span<const std::byte> b, std::size_t offset) {
    std::uint8_t bytes[4];
    std::memcpy(bytes, b.data() + offset, 4);  // network order: a.b.c.d in memory
    return core::IpAddress::v4_bytes(bytes);
}

core::IpAddress v6_at(std::span<const std::byte> b, std::size_t offset, std::uint32_t scope) {
    std::uint8_t bytes[16];
    std::memcpy(bytes, b.data() + offset, 16);
    return core::IpAddress::v6_bytes(bytes, scope);
}

// Field offsets inside one row.
struct Fields {
    std::size_t state, local_addr, local_scope, local_port, remote_addr, remote_scope, remote_port,
        pid, flags;
};
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

Fields fields(TableKind kind) {
    switch (kind) {
        case TableKind::Tcp4Pid:
        case TableKind::Tcp4Module:
            // dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort, dwOwningPid
            return {0, 4, kNone, 8, 12, kNone, 16, 20, kNone};
        case TableKind::Tcp6Pid:
        case TableKind::Tcp6Module:
            // ucLocalAddr[16], dwLocalScopeId, dwLocalPort, ucRemoteAddr[16],
            // dwRemoteScopeId, dwRemotePort, dwState, dwOwningPid
            return {48, 0, 16, 20, 24, 40, 44, 52, kNone};
        case TableKind::Udp4Pid:
            return {kNone, 0, kNone, 4, kNone, kNone, kNone, 8, kNone};
        case TableKind::Udp4Module:
            // dwLocalAddr, dwLocalPort, dwOwningPid, (4), liCreateTimestamp, dwFlags
            return {kNone, 0, kNone, 4, kNone, kNone, kNone, 8, 24};
        case TableKind::Udp6Pid:
            return {kNone, 0, 16, 20, kNone, kNone, kNone, 24, kNone};
        case TableKind::Udp6Module:
            // ucLocalAddr[16], dwLocalScopeId, dwLocalPort, dwOwningPid, (4),
            // liCreateTimestamp, dwFlags
            return {kNone, 0, 16, 20, kNone, kNone, kNone, 24, 40};
    }
    return {};
}

}  // namespace

TableLayout table_layout(TableKind kind) {
    switch (kind) {
        case TableKind::Tcp4Pid:
            return {4, 24};
        case TableKind::Tcp4Module:
            return {8, 160};  // + liCreateTimestamp, OwningModuleInfo[16]
        case TableKind::Tcp6Pid:
            return {4, 56};
        case TableKind::Tcp6Module:
            return {8, 192};
        case TableKind::Udp4Pid:
            return {4, 12};
        case TableKind::Udp4Module:
            return {8, 160};
        case TableKind::Udp6Pid:
            return {4, 28};
        case TableKind::Udp6Module:
            return {8, 176};
    }
    return {};
}

core::Protocol table_protocol(TableKind kind) {
    return kind <= TableKind::Tcp6Module ? core::Protocol::Tcp : core::Protocol::Udp;
}

core::Family table_family(TableKind kind) {
    switch (kind) {
        case TableKind::Tcp6Pid:
        case TableKind::Tcp6Module:
        case TableKind::Udp6Pid:
        case TableKind::Udp6Module:
            return core::Family::Ipv6;
        default:
            return core::Family::Ipv4;
    }
}

bool table_has_modules(TableKind kind) {
    return kind == TableKind::Tcp4Module || kind == TableKind::Tcp6Module ||
           kind == TableKind::Udp4Module || kind == TableKind::Udp6Module;
}

std::string_view table_name(TableKind kind) {
    switch (kind) {
        case TableKind::Tcp4Pid:
            return "TCP IPv4 (OWNER_PID_ALL)";
        case TableKind::Tcp4Module:
            return "TCP IPv4 (OWNER_MODULE_ALL)";
        case TableKind::Tcp6Pid:
            return "TCP IPv6 (OWNER_PID_ALL)";
        case TableKind::Tcp6Module:
            return "TCP IPv6 (OWNER_MODULE_ALL)";
        case TableKind::Udp4Pid:
            return "UDP IPv4 (OWNER_PID)";
        case TableKind::Udp4Module:
            return "UDP IPv4 (OWNER_MODULE)";
        case TableKind::Udp6Pid:
            return "UDP IPv6 (OWNER_PID)";
        case TableKind::Udp6Module:
            return "UDP IPv6 (OWNER_MODULE)";
    }
    return "table";
}

core::TcpState tcp_state_from_mib(std::uint32_t state) {
    using S = core::TcpState;
    switch (state) {
        case 1:  // MIB_TCP_STATE_CLOSED
            return S::Close;
        case 2:  // LISTEN
            return S::Listen;
        case 3:  // SYN_SENT
            return S::SynSent;
        case 4:  // SYN_RCVD
            return S::SynRecv;
        case 5:  // ESTAB
            return S::Established;
        case 6:  // FIN_WAIT1
            return S::FinWait1;
        case 7:  // FIN_WAIT2
            return S::FinWait2;
        case 8:  // CLOSE_WAIT
            return S::CloseWait;
        case 9:  // CLOSING
            return S::Closing;
        case 10:  // LAST_ACK
            return S::LastAck;
        case 11:  // TIME_WAIT
            return S::TimeWait;
        case 12:  // DELETE_TCB
            return S::Close;
        default:
            return S::Unknown;
    }
}

std::uint16_t port_from_mib(std::uint32_t dword) {
    return static_cast<std::uint16_t>(((dword & 0xffu) << 8) | ((dword >> 8) & 0xffu));
}

Result<std::vector<TableRow>> decode_table(TableKind kind, std::span<const std::byte> buffer) {
    if (buffer.size() < 4) {
        return make_error(ErrorKind::Internal,
                          std::string(table_name(kind)) + ": table shorter than its row count");
    }
    const std::uint32_t count = u32_at(buffer, 0);
    const auto layout = table_layout(kind);
    const std::size_t need = layout.first_row + std::size_t{count} * layout.row_size;
    if (buffer.size() < need) {
        return make_error(ErrorKind::Internal, std::string(table_name(kind)) + ": " +
                                                   std::to_string(count) + " rows need " +
                                                   std::to_string(need) + " bytes, the table has " +
                                                   std::to_string(buffer.size()));
    }
    const Fields f = fields(kind);
    const bool v6 = table_family(kind) == core::Family::Ipv6;
    const bool tcp = table_protocol(kind) == core::Protocol::Tcp;
    std::vector<TableRow> rows;
    rows.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        auto row =
            buffer.subspan(layout.first_row + std::size_t{i} * layout.row_size, layout.row_size);
        TableRow r;
        core::Socket& s = r.socket;
        s.protocol = tcp ? core::Protocol::Tcp : core::Protocol::Udp;
        std::uint32_t local_scope = f.local_scope == kNone ? 0 : u32_at(row, f.local_scope);
        s.local.address = v6 ? v6_at(row, f.local_addr, local_scope) : v4_at(row, f.local_addr);
        s.local.port = port_from_mib(u32_at(row, f.local_port));
        if (tcp) {
            s.state = tcp_state_from_mib(u32_at(row, f.state));
            if (s.state == core::TcpState::Listen) {
                // Older Windows fill the remote address of listeners; it means nothing.
                s.remote.address = core::IpAddress::any(table_family(kind));
            } else {
                std::uint32_t remote_scope =
                    f.remote_scope == kNone ? 0 : u32_at(row, f.remote_scope);
                s.remote.address =
                    v6 ? v6_at(row, f.remote_addr, remote_scope) : v4_at(row, f.remote_addr);
                s.remote.port = port_from_mib(u32_at(row, f.remote_port));
            }
        } else {
            s.state = core::TcpState::Close;  // UDP: unconnected; the tables have no peer
            s.remote.address = core::IpAddress::any(table_family(kind));
            if (f.flags != kNone) {
                // SpecificPortBind: bound to a port it named, not one Windows chose.
                s.binding = (u32_at(row, f.flags) & 1u) != 0 ? core::PortBinding::Explicit
                                                             : core::PortBinding::Auto;
            }
        }
        r.pid = u32_at(row, f.pid);
        if (r.pid != 0) {
            s.owners.push_back(static_cast<std::int32_t>(r.pid));
            s.attribution = core::Attribution::Owned;
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

void attach_modules(std::vector<core::Process>& processes, std::span<const ModuleOwner> modules) {
    auto lower = [](std::string s) {
        for (auto& c : s) {
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c - 'A' + 'a');
            }
        }
        return s;
    };
    for (const auto& m : modules) {
        if (m.name.empty()) {
            continue;
        }
        auto p =
            std::lower_bound(processes.begin(), processes.end(), m.pid,
                             [](const core::Process& q, std::int32_t pid) { return q.pid < pid; });
        if (p == processes.end() || p->pid != m.pid) {
            continue;
        }
        const bool image = lower(m.path).ends_with(".exe");
        if (p->name.empty() && image) {
            p->name = m.name;
            if (p->exe.empty()) {
                p->exe = m.path;
            }
            continue;
        }
        if (lower(m.name) == lower(p->name)) {
            continue;
        }
        auto at = std::lower_bound(p->services.begin(), p->services.end(), m.name);
        if (at == p->services.end() || *at != m.name) {
            p->services.insert(at, m.name);
        }
    }
}

}  // namespace portwatch::collect::windows
