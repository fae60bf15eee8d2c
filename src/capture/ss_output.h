#pragma once
// iproute2 `ss -tanp`, `-tuanp`, `-tulpen`, `-a` rows:
//   tcp   ESTAB  0  0  10.0.0.5:43210  10.0.0.9:5432  users:(("java",pid=2211,fd=71)) uid:1000
//   ino:5811 ESTAB  0  0  10.0.0.5:43210  10.0.0.9:5432  users:(("java",2211,71))      (no Netid
//   column)
// The Netid column is present only when more than one protocol was asked for. Without it a
// row is TCP unless its state is UNCONN, or the table already showed UNCONN rows (then it is
// `ss -u` output and ESTAB means a connected UDP socket): `udp_table` carries that.
// unix (u_str, u_dgr, u_seq), netlink (nl), packet (p_raw, p_dgr), raw, and other sockets are
// Skipped.

#include <string_view>

#include "capture/row.h"

namespace portwatch::capture {

RowResult parse_ss_row(std::string_view line, bool udp_table, Row& row);

// Parses the `users:((...))` list into row.owners: ("name",pid=N,fd=N) and the older
// ("name",N,N). False when the text is malformed.
bool parse_ss_users(std::string_view text, Row& row);

}  // namespace portwatch::capture
