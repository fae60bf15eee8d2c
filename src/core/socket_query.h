#pragma once
// Selecting and ordering sockets: the snapshot command's filters and --sort, as pure code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::core {

struct SocketFilter {
    bool tcp = true;
    bool udp = true;
    bool ipv4 = true;
    bool ipv6 = true;
    bool listening_only = false;         // TCP LISTEN and unconnected UDP, like `ss -l`
    std::vector<TcpState> states;        // empty: any
    std::vector<std::int32_t> pids;      // empty: any; else a socket owned by one of them
    std::vector<std::string> processes;  // empty: any; else owned by a process of that name
    std::vector<std::uint16_t> ports;    // empty: any; else local or remote port
    std::optional<IpAddress> remote_address;
    std::optional<std::uint16_t> remote_port;
};

// "10.0.0.1", "10.0.0.1:443", "[::1]:80", "::1", ":443" (any address, that port).
Result<void> parse_remote(std::string_view text, SocketFilter& filter);

bool matches(const SocketFilter& filter, const Socket& socket, const Snapshot& snapshot);

enum class SortKey : std::uint8_t { None, Proto, Local, Remote, State, Pid, Process };

std::optional<SortKey> parse_sort_key(std::string_view text);

// The sockets of `snapshot` that pass `filter`, in `key` order (stable; kernel order for None).
std::vector<const Socket*> select(const Snapshot& snapshot, const SocketFilter& filter,
                                  SortKey key);

}  // namespace portwatch::core
