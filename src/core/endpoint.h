#pragma once

#include <cstdint>
#include <string>

#include "core/ip_address.h"

namespace portwatch::core {

// A transport endpoint. `name` is set only when a saved capture printed a host or service name
// instead of numbers (netstat without -n); the address is then unspecified and the port may be 0.
struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
    std::string name;

    bool is_wildcard() const { return name.empty() && address.is_unspecified() && port == 0; }

    // "10.0.0.1:443", "[fe80::1%2]:22", "*:*" for the wildcard, as ss and netstat print them.
    std::string to_string() const;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace portwatch::core
