#pragma once
// Well-known services by port, so a verdict can say what a sysadmin will see fail ("SMB",
// "Kerberos", "PostgreSQL") instead of a bare port number.

#include <cstdint>
#include <string_view>

#include "core/socket.h"

namespace portwatch::analyze {

// The service usually behind `port` for `protocol`, or "" when the port has none worth
// naming. One table (services.cpp), shared by text and JSON.
std::string_view well_known_service(std::uint16_t port, core::Protocol protocol);

}  // namespace portwatch::analyze
