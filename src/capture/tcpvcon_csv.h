#pragma once
// Sysinternals `tcpvcon -a -c -n` CSV: protocol, process, PID, state, local, remote.
//   TCP,svchost.exe,924,LISTENING,0.0.0.0,0.0.0.0           (tcpvcon 4.x: no ports)
//   TCPV6,svchost.exe,924,LISTENING,[0:0:0:0:0:0:0:0],[0:0:0:0:0:0:0:0]
//   UDP,svchost.exe,4108,*,0.0.0.0,*
//   TCP,java.exe,2211,ESTABLISHED,10.0.0.5:50123,10.0.0.9:443   (versions that print ports)
// Rows without ports set Row::has_ports = false: the sockets count, their ports are unknown.

#include <string_view>

#include "capture/row.h"

namespace portwatch::capture {

RowResult parse_tcpvcon_row(std::string_view line, Row& row);

}  // namespace portwatch::capture
