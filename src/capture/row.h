#pragma once
// One socket line of a capture, as every row parser returns it. String views point into the
// line and are valid only while it is.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/socket.h"

namespace portwatch::capture {

struct OwnerRef {
    std::int32_t pid = 0;
    std::string_view name;  // empty when the row does not print it
};

struct Row {
    core::Socket socket;               // owners left empty: the parser fills them from `owners`
    std::array<OwnerRef, 8> owners{};  // ss may list several processes; more are dropped
    std::size_t owner_count = 0;
    bool pid_column = false;      // the row has a PID column (even if it says 0 or "-")
    bool named = false;           // a host or service name instead of numbers
    bool has_ports = true;        // false for tcpvcon 4.x CSV, which prints no ports
    bool cut = false;             // net-tools: an address filled its column and may be cut
    bool wide = false;            // net-tools: an address is wider than the column (-W)
    std::string_view state_text;  // the state column when it is not a known state word

    void add_owner(std::int32_t pid, std::string_view name) {
        if (owner_count < owners.size()) {
            owners[owner_count++] = OwnerRef{pid, name};
        }
    }
};

// What a row parser made of a line.
enum class RowResult : std::uint8_t {
    Socket,    // `row` holds a TCP or UDP socket
    Skipped,   // a socket of another kind (unix, raw, netlink, packet): counted, not kept
    Mismatch,  // not this format's row
};

}  // namespace portwatch::capture
