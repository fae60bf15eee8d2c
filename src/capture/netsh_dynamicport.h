#pragma once
// `netsh int ipv4 show dynamicport tcp|udp` (any language), in a file of its own or appended
// to a netstat capture:
//
//   Protocol tcp Dynamic Port Range            Protokoll tcp Dynamischer Portbereich
//   ---------------------------------          ---------------------------------
//   Start Port      : 49152                    Startport       : 49152
//   Number of Ports : 16384                    Anzahl Ports    : 16384
//
// The title is the line holding the word "tcp" or "udp"; the first two "label : number"
// lines after it are the start port and the number of ports (Datadog reads it the same way).

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/host_config.h"
#include "core/result.h"
#include "core/socket.h"

namespace portwatch::capture {

class NetshDynamicPortReader {
  public:
    // True when the line belongs to a netsh block (title, dashes or a value) and was consumed.
    bool feed(std::string_view line);

    // A finished block's range; an error when the numbers make no range (start 0, or the
    // range runs past 65535).
    struct Block {
        core::Protocol protocol;
        Result<core::PortRange> range;
    };
    std::optional<Block> take_block();

  private:
    std::optional<core::Protocol> pending_;
    std::optional<std::uint32_t> start_;
    std::optional<Block> done_;
};

}  // namespace portwatch::capture
