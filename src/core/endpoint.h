#pragma once

#include <cstdint>
#include <string>

#include "core/ip_address.h"
#include "core/short_text.h"

namespace portwatch::core {

// A transport endpoint. `name` is set only when a saved capture printed a host or service name
// instead of numbers (netstat without -n); the address is then unspecified and the port may be 0.
// An endpoint with a name is never matched as an exact address.
struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
    // The capture cut the address to its column width (net-tools netstat without -W): `name`
    // holds the text as printed, `port` is real, `address` is what the cut text parses to (or
    // unspecified). Treated like a name: never matched as an exact address. (Beside `port`, so
    // an endpoint is 48 bytes, not 56.)
    bool cut = false;
    ShortText name{};
    // The interface a capture printed after the address (ss: "[fe80::1]%eth0:123",
    // "127.0.0.53%lo:53"): the IPv6 zone, or the device an IPv4 socket is bound to. Numeric
    // zones (Windows "%14") are kept in address.scope_id() instead.
    ShortText zone{};

    bool is_wildcard() const { return name.empty() && address.is_unspecified() && port == 0; }

    // "10.0.0.1:443", "[fe80::1%2]:22", "[fe80::1%eth0]:22", "127.0.0.53%lo:53", "*:*" for the
    // wildcard, as ss and netstat print them; a cut address as "2001:db8:85a3:8d3:1...:443".
    std::string to_string() const;
    // The address part alone ("fe80::1%eth0", "2001:db8:85a3:8d3:1..." when cut, the name).
    std::string address_text() const;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace portwatch::core
