#pragma once
// Endpoints as the capture formats print them:
//   10.0.0.1:443   [::1]:80   [fe80::1%14]:1900   *:*   0.0.0.0:*   *:22   :::22
//   127.0.0.53%lo:53 (ss, interface-named zone)   ::ffff:10.0.0.1:22 (old ss, no brackets)
//   localhost:smtp  api:1032  LAPTOP-094TMCHO:0 (names, when -n was forgotten)
//   [0:0:0:0:0:0:0:0] or 10.0.0.1 without a port (tcpvcon 4.x CSV), see `port_optional`.

#include <optional>
#include <string_view>

#include "core/endpoint.h"

namespace portwatch::capture {

struct EndpointText {
    core::Endpoint endpoint;
    bool named = false;    // a host or service name was printed; endpoint.name holds the text
    bool has_port = true;  // false only when `port_optional` allowed a bare address
};

// nullopt when `text` is none of the forms above. Named hosts get the unspecified address of
// `family_hint` (tcp6 rows: IPv6); a numeric host keeps its address even if the port is named.
std::optional<EndpointText> parse_endpoint_text(std::string_view text,
                                                core::Family family_hint = core::Family::Ipv4,
                                                bool port_optional = false);

// net-tools netstat without -W cuts an address so that address and port fit 22 characters
// (lib/netstat.c: `addr[22 - strlen(port)] = '\0'`), so an endpoint that fills its column is
// "<address>:<port>", 23 characters long, and its address may be cut (an uncut address of
// exactly that length looks the same). For such IPv6 text: an endpoint with `cut` set, `name`
// the text as printed, the real port, and the address the text parses to (unspecified when it
// does not). nullopt for text of another length or shape.
constexpr std::size_t kNetToolsEndpointWidth = 23;
std::optional<core::Endpoint> parse_cut_endpoint(std::string_view text);

// A row's local and remote columns. The local one is read with `family_hint`; the remote one
// with the local one's family (a named peer of an IPv6 socket stays IPv6).
struct EndpointPair {
    core::Endpoint local;
    core::Endpoint remote;
    bool named = false;  // either side printed a name
};

std::optional<EndpointPair> parse_endpoint_pair(std::string_view local, std::string_view remote,
                                                core::Family family_hint = core::Family::Ipv4);

}  // namespace portwatch::capture
