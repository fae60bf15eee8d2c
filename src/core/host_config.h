#pragma once
// What the host (one network namespace of it) says about its port allocation.

#include <cstdint>
#include <optional>
#include <string>

namespace portwatch::core {

enum class Platform : std::uint8_t { Linux, Windows };

struct PortRange {
    std::uint16_t low = 0;
    std::uint16_t high = 0;  // inclusive
    std::uint32_t size() const { return high >= low ? high - low + 1u : 0u; }
    bool contains(std::uint16_t port) const { return port >= low && port <= high; }
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct HostConfig {
    Platform platform = Platform::Linux;
    std::optional<PortRange> ephemeral;  // shared by TCP and UDP on Linux
    std::string range_origin;            // where `ephemeral` came from, said in reports
};

}  // namespace portwatch::core
