// collect/live_source.h on Windows, the sockets: GetExtendedTcpTable and GetExtendedUdpTable
// for IPv4 and IPv6, decoded by mib_tables.h; owners' modules (netstat -b) and processes.
#include <winsock2.h>
#include <ws2tcpip.h>
// after winsock2.h
#include <iphlpapi.h>
#include <windows.h>
// <objbase.h> defines `interface` as `struct`; core::Socket has a field of that name.
#undef interface

#include <cstddef>
#include <set>

#include "collect/live_source.h"
#include "collect/windows/mib_tables.h"
#include "collect/windows/processes.h"
#include "collect/windows/system_text.h"

namespace portwatch::collect {

namespace windows {

// mib_tables.cpp writes the layouts out for the Linux tests; here they meet <iphlpapi.h>.
static_assert(sizeof(MIB_TCPROW_OWNER_PID) == 24);
static_assert(sizeof(MIB_TCPROW_OWNER_MODULE) == 160);
static_assert(offsetof(MIB_TCPTABLE_OWNER_MODULE, table) == 8);
static_assert(offsetof(MIB_TCPTABLE_OWNER_PID, table) == 4);
static_assert(sizeof(MIB_TCP6ROW_OWNER_PID) == 56);
static_assert(offsetof(MIB_TCP6ROW_OWNER_PID, dwState) == 48);
static_assert(offsetof(MIB_TCP6ROW_OWNER_PID, dwRemoteScopeId) == 40);
static_assert(sizeof(MIB_TCP6ROW_OWNER_MODULE) == 192);
static_assert(offsetof(MIB_TCP6TABLE_OWNER_MODULE, table) == 8);
static_assert(sizeof(MIB_UDPROW_OWNER_PID) == 12);
static_assert(sizeof(MIB_UDPROW_OWNER_MODULE) == 160);
static_assert(offsetof(MIB_UDPROW_OWNER_MODULE, dwFlags) == 24);
static_assert(sizeof(MIB_UDP6ROW_OWNER_PID) == 28);
static_assert(sizeof(MIB_UDP6ROW_OWNER_MODULE) == 176);
static_assert(offsetof(MIB_UDP6ROW_OWNER_MODULE, dwFlags) == 40);
static_assert(offsetof(MIB_UDP6TABLE_OWNER_MODULE, table) == 8);

namespace {

// The table changes between the size query and the copy (connections come and go): grow the
// buffer by the size Windows asks for plus a quarter, and try again, a bounded number of times.
constexpr int kAttempts = 8;

Result<std::vector<std::byte>> fetch_table(TableKind kind) {
    const ULONG family = table_family(kind) == core::Family::Ipv6 ? AF_INET6 : AF_INET;
    const bool tcp = table_protocol(kind) == core::Protocol::Tcp;
    const bool modules = table_has_modules(kind);
    std::vector<std::byte> buffer;
    DWORD size = 0;
    DWORD status = ERROR_INSUFFICIENT_BUFFER;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        buffer.resize(size);
        DWORD given = size;
        void* data = buffer.empty() ? nullptr : buffer.data();
        status =
            tcp ? ::GetExtendedTcpTable(
                      data, &size, FALSE, family,
                      modules ? TCP_TABLE_OWNER_MODULE_ALL : TCP_TABLE_OWNER_PID_ALL, 0)
                : ::GetExtendedUdpTable(data, &size, FALSE, family,
                                        modules ? UDP_TABLE_OWNER_MODULE : UDP_TABLE_OWNER_PID, 0);
        if (status == NO_ERROR && !buffer.empty()) {
            buffer.resize(size < given ? given : size);
            return buffer;
        }
        if (status != ERROR_INSUFFICIENT_BUFFER && status != NO_ERROR &&
            status != static_cast<DWORD>(0xC0000001L) /* STATUS_UNSUCCESSFUL */) {
            return std::unexpected(windows_error(status, std::string(table_name(kind))));
        }
        size = size + size / 4 + 256;
    }
    return std::unexpected(windows_error(status, std::string(table_name(kind)) +
                                                     ": the table kept growing over " +
                                                     std::to_string(kAttempts) + " attempts"));
}

// GetOwnerModuleFrom*Entry for one row; empty when Windows does not say (not elevated, PID 0,
// a process that exited).
std::optional<ModuleOwner> module_of(TableKind kind, const std::byte* row, std::int32_t pid) {
    alignas(8) std::byte info[4096];
    DWORD size = sizeof info;
    DWORD status = ERROR_NOT_SUPPORTED;
    void* r = const_cast<std::byte*>(row);
    switch (kind) {
        case TableKind::Tcp4Module:
            status = ::GetOwnerModuleFromTcpEntry(static_cast<PMIB_TCPROW_OWNER_MODULE>(r),
                                                  TCPIP_OWNER_MODULE_INFO_BASIC, info, &size);
            break;
        case TableKind::Tcp6Module:
            status = ::GetOwnerModuleFromTcp6Entry(static_cast<PMIB_TCP6ROW_OWNER_MODULE>(r),
                                                   TCPIP_OWNER_MODULE_INFO_BASIC, info, &size);
            break;
        case TableKind::Udp4Module:
            status = ::GetOwnerModuleFromUdpEntry(static_cast<PMIB_UDPROW_OWNER_MODULE>(r),
                                                  TCPIP_OWNER_MODULE_INFO_BASIC, info, &size);
            break;
        case TableKind::Udp6Module:
            status = ::GetOwnerModuleFromUdp6Entry(static_cast<PMIB_UDP6ROW_OWNER_MODULE>(r),
                                                   TCPIP_OWNER_MODULE_INFO_BASIC, info, &size);
            break;
        default:
            break;
    }
    if (status != NO_ERROR) {
        return std::nullopt;
    }
    auto* basic = reinterpret_cast<TCPIP_OWNER_MODULE_BASIC_INFO*>(info);
    ModuleOwner m;
    m.pid = pid;
    if (basic->pModuleName != nullptr) {
        m.name = utf8(basic->pModuleName);
    }
    if (basic->pModulePath != nullptr) {
        m.path = utf8(basic->pModulePath);
    }
    if (m.name.empty()) {
        return std::nullopt;
    }
    return m;
}

// Wine exports GetOwnerModuleFrom*Entry as stubs that abort the process when called.
bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

std::string computer_name() {
    wchar_t name[256];
    DWORD size = 256;
    if (::GetComputerNameExW(ComputerNameDnsHostname, name, &size)) {
        return utf8(std::wstring_view(name, size));
    }
    return {};
}

}  // namespace

}  // namespace windows

Result<core::Snapshot> take_live_snapshot(const LiveOptions& options) {
    using namespace windows;
    core::Snapshot snap;
    snap.taken_at = options.clock->now();
    snap.hostname = computer_name();
    snap.config.platform = core::Platform::Windows;
    snap.source.sockets = "iphlpapi";
    snap.source.owners = options.owners ? "iphlpapi" : "none";
    bool modules = options.owners && options.platform.modules;
    if (modules && under_wine()) {
        modules = false;
        snap.warnings.push_back(
            {"running under wine, which has no GetOwnerModuleFrom*Entry: no module or service "
             "names"});
    }

    std::vector<TableKind> kinds;
    if (options.tcp && options.ipv4) {
        kinds.push_back(modules ? TableKind::Tcp4Module : TableKind::Tcp4Pid);
    }
    if (options.tcp && options.ipv6) {
        kinds.push_back(modules ? TableKind::Tcp6Module : TableKind::Tcp6Pid);
    }
    if (options.udp && options.ipv4) {
        kinds.push_back(modules ? TableKind::Udp4Module : TableKind::Udp4Pid);
    }
    if (options.udp && options.ipv6) {
        kinds.push_back(modules ? TableKind::Udp6Module : TableKind::Udp6Pid);
    }

    std::vector<ModuleOwner> found;
    std::set<std::pair<std::int32_t, std::string>> seen;  // one lookup answer per (pid, name)
    std::size_t read = 0;
    for (auto kind : kinds) {
        auto buffer = fetch_table(kind);
        if (!buffer) {
            snap.warnings.push_back({buffer.error().message});
            continue;
        }
        auto rows = decode_table(kind, *buffer);
        if (!rows) {
            snap.warnings.push_back({rows.error().message});
            continue;
        }
        ++read;
        const auto layout = table_layout(kind);
        for (std::size_t i = 0; i < rows->size(); ++i) {
            auto& row = (*rows)[i];
            if (!options.owners) {
                row.socket.owners.clear();
                row.socket.attribution = core::Attribution::Unknown;
            }
            if (modules && row.pid > 4 && row.socket.state != core::TcpState::TimeWait) {
                const std::byte* raw = buffer->data() + layout.first_row + i * layout.row_size;
                if (auto m = module_of(kind, raw, static_cast<std::int32_t>(row.pid))) {
                    if (seen.insert({m->pid, m->name}).second) {
                        found.push_back(std::move(*m));
                    }
                }
            }
            snap.sockets.push_back(std::move(row.socket));
        }
    }
    if (read == 0 && !kinds.empty()) {
        return make_error(
            ErrorKind::Io,
            "no TCP/UDP table could be read: " +
                (snap.warnings.empty() ? std::string("?") : snap.warnings.front().message));
    }

    if (options.owners) {
        std::set<std::int32_t> wanted;
        for (const auto& s : snap.sockets) {
            wanted.insert(s.owners.begin(), s.owners.end());
        }
        auto table = read_processes(wanted, false);
        if (!table) {
            snap.warnings.push_back({"processes: " + table.error().message});
        } else {
            snap.processes = std::move(table->processes);
            attach_modules(snap.processes, found);
            if (table->denied > 0) {
                snap.warnings.push_back(
                    {std::to_string(table->denied) +
                     (table->denied == 1 ? " process" : " processes") +
                     " denied access to its path, user and start time (not Administrator: run "
                     "from an elevated prompt to see them)"});
            }
        }
        // TIME_WAIT rows have owning PID 0 on every Windows; any other row without one says
        // the tables gave no owners at all (wine reports PID 0 for Linux processes' sockets).
        std::size_t unowned = 0, counted = 0;
        for (const auto& s : snap.sockets) {
            if (s.state != core::TcpState::TimeWait) {
                ++counted;
                unowned += s.owners.empty() ? 1 : 0;
            }
        }
        if (unowned > 0 && unowned == counted) {
            snap.warnings.push_back(
                {"Windows gave no owning process for any socket (owning PID 0 on every row)"});
        }
    }
    return snap;
}

}  // namespace portwatch::collect
