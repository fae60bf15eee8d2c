#pragma once
// Linux net-tools `netstat -tanp`, `-tunap`, `-aeep` rows:
//   tcp   0   0 10.0.0.5:43210   10.0.0.9:5432   TIME_WAIT   -
//   tcp6  0   0 localhost:ssh    localhost:38134 ESTABLISHED root  63129  6492/sshd: kbrazil
//   udp   0   0 0.0.0.0:bootpc   0.0.0.0:*                   root  20830  1029/dhclient
// After proto, Recv-Q, Send-Q, local and foreign come an optional state (UDP rows often have
// none), with -e the user and inode, with -p "PID/Program name" or "-", with -o a timer.
// unix, raw and other sockets are reported as Skipped.

#include <string_view>

#include "capture/row.h"

namespace portwatch::capture {

RowResult parse_nettools_row(std::string_view line, Row& row);

}  // namespace portwatch::capture
