#pragma once
// The names of the errno values failed allocations carry. The history holds the numbers the
// Linux kernel reported (wherever the history is read), so the table is Linux's numbering,
// not this build's <cerrno>.

#include <string>

namespace portwatch::store {

// "EADDRNOTAVAIL" for 99; the number as text for one not in the table.
std::string linux_errno_name(int code);

}  // namespace portwatch::store
