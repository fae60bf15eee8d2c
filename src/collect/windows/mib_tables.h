#pragma once
// The pure half of the Windows socket source: the buffers GetExtendedTcpTable and
// GetExtendedUdpTable fill, decoded into core::Socket. No Windows header: the layouts are
// written out here (x64, little-endian; live_snapshot.cpp checks them against <iphlpapi.h>
// with static_asserts), so the tests decode recorded tables on Linux.
//
// Each table is a DWORD row count, then the rows from offset 4 (OWNER_PID classes) or 8
// (OWNER_MODULE classes, whose rows hold a 64-bit timestamp). Addresses are in network byte
// order; a port is a DWORD whose low 16 bits are in network byte order.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"
#include "core/socket.h"

namespace portwatch::collect::windows {

// The (protocol, family, TABLE_CLASS) combinations the live source asks for.
enum class TableKind : std::uint8_t {
    Tcp4Pid,     // MIB_TCPTABLE_OWNER_PID      (TCP_TABLE_OWNER_PID_ALL, AF_INET)
    Tcp4Module,  // MIB_TCPTABLE_OWNER_MODULE   (TCP_TABLE_OWNER_MODULE_ALL, AF_INET)
    Tcp6Pid,     // MIB_TCP6TABLE_OWNER_PID
    Tcp6Module,  // MIB_TCP6TABLE_OWNER_MODULE
    Udp4Pid,     // MIB_UDPTABLE_OWNER_PID      (UDP_TABLE_OWNER_PID, AF_INET)
    Udp4Module,  // MIB_UDPTABLE_OWNER_MODULE   (UDP_TABLE_OWNER_MODULE, AF_INET)
    Udp6Pid,     // MIB_UDP6TABLE_OWNER_PID
    Udp6Module,  // MIB_UDP6TABLE_OWNER_MODULE
};

struct TableLayout {
    std::size_t first_row = 4;  // offset of row 0
    std::size_t row_size = 0;
};
TableLayout table_layout(TableKind kind);
core::Protocol table_protocol(TableKind kind);
core::Family table_family(TableKind kind);
bool table_has_modules(TableKind kind);
std::string_view table_name(TableKind kind);  // "TCP IPv4 (OWNER_MODULE_ALL)"

// MIB_TCP_STATE (CLOSED 1 ... TIME_WAIT 11, DELETE_TCB 12) as the kernel numbering core uses.
// DELETE_TCB, a connection whose control block is being deleted, is CLOSE: it holds its
// port for an instant and no longer carries traffic.
core::TcpState tcp_state_from_mib(std::uint32_t state);
// The port in a dwLocalPort/dwRemotePort DWORD.
std::uint16_t port_from_mib(std::uint32_t dword);

// One row of a table, decoded: the socket (owners: the owning PID, when not 0) and the PID.
struct TableRow {
    core::Socket socket;
    std::uint32_t pid = 0;
};

// Every row of a filled table buffer, in table order (row i of the result is row i of the
// buffer, for the module lookups that need the row itself). An error when the buffer is
// shorter than its row count says.
Result<std::vector<TableRow>> decode_table(TableKind kind, std::span<const std::byte> buffer);

// What GetOwnerModuleFrom*Entry said for a row's owner: the module (an image such as
// "svchost.exe", or a service or component such as "Dnscache") and its path.
struct ModuleOwner {
    std::int32_t pid = 0;
    std::string name;
    std::string path;
};

// Adds each module name that is not the process's own image name to its `services` (as the
// component line of `netstat -b` above the [image] line), once, sorted; a process without a
// name takes the module's image name (a module with a path ending in .exe).
void attach_modules(std::vector<core::Process>& processes, std::span<const ModuleOwner> modules);

}  // namespace portwatch::collect::windows
