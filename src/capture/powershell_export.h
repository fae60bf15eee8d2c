#pragma once
// PowerShell `Get-NetTCPConnection` / `Get-NetUDPEndpoint` output, which carries OwningProcess
// and the Bound state (the ports plain netstat does not show):
// - Export-Csv: an optional "#TYPE ..." line, a header naming the properties (never
//   localized), then one quoted record per socket. Columns are found by header name.
// - the default table view ("Format-Table"): a header line starting with LocalAddress, a line
//   of dashes, then whitespace-separated rows:
//     192.168.1.10   50123  20.42.65.90   443  Established Internet   4120
//     0.0.0.0        50100  0.0.0.0       0    Bound                  4120
//   Get-NetUDPEndpoint's table has only LocalAddress and LocalPort.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "capture/row.h"

namespace portwatch::capture {

// Column positions of an Export-Csv header; -1 when absent.
struct PowerShellColumns {
    int local_address = -1;
    int local_port = -1;
    int remote_address = -1;
    int remote_port = -1;
    int state = -1;
    int owning_process = -1;
    int creation_time = -1;
    bool udp() const { return remote_address < 0 && state < 0; }
};

// nullopt unless `line` is an Export-Csv header with at least LocalAddress and LocalPort.
std::optional<PowerShellColumns> parse_powershell_csv_header(std::string_view line);

RowResult parse_powershell_csv_row(std::string_view line, const PowerShellColumns& columns,
                                   Row& row);

// True for the table view's header line (LocalAddress LocalPort ...).
bool is_powershell_table_header(std::string_view line, bool& udp);

RowResult parse_powershell_table_row(std::string_view line, bool udp, Row& row);

// Get-NetTCPConnection's State: the enum name (Established, TimeWait, Bound, ...) or its
// numeric value (1..12, 100 = Bound).
std::optional<core::TcpState> parse_powershell_state(std::string_view text);

}  // namespace portwatch::capture
