#pragma once
// The two ends of each lab pattern. Both run in forked processes inside the lab namespace and
// never return: they report once over a pipe, then hold their sockets until killed.

#include <cstdint>

#include "lab/lab.h"

namespace portwatch::lab::detail {

// Sent over a pipe (fixed size, well under PIPE_BUF, so one write is atomic).
struct Report {
    std::int32_t status = 0;  // 0 ok, else errno of a setup failure
    std::uint32_t succeeded = 0;
    std::int32_t error = 0;
    std::uint32_t destinations = 0;
    std::uint16_t dest_port = 0;
    char dest_addr[48] = {};
    char failed_call[16] = {};
    char message[160] = {};
};

inline constexpr std::uint16_t kRangeLow = 40000;  // every lab's range starts here
inline constexpr std::uint16_t kTcpPort = 9000;    // outside every lab range
inline constexpr std::uint16_t kTcpPort2 = 9001;   // Healthy's and ProxyBind's second service
inline constexpr std::uint16_t kUdpPort = 5353;
// DeadBackend: a PostgreSQL that never answers, at an address of TEST-NET-1 (RFC 5737).
inline constexpr std::uint32_t kDeadBackend = 0xc000020a;  // 192.0.2.10
inline constexpr std::uint16_t kDeadPort = 5432;

// In the lab namespace: routes 192.0.2.0/24 out of lo from 127.0.0.1. The SYNs loop back to a
// namespace that does not forward and owns no such address, so they are dropped without an
// answer (no RST, no ICMP) and every connect() there waits in SYN_SENT. rtnetlink, no tools.
bool add_dead_route();

// Listens (TCP) or binds (UDP) for the pattern, writes a Report to `report_fd`, serves.
[[noreturn]] void run_server(Pattern pattern, int report_fd);

// The process that takes ports before the client runs (ListenersInRange, ProxyBind): takes
// its share of the range, writes a Report (`succeeded`: ports taken; `destinations`: of them
// bound to a chosen port), holds them.
[[noreturn]] void run_taker(Pattern pattern, std::uint32_t range_size, int report_fd);
bool has_taker(Pattern pattern);
// The ports ListenersInRange's and ProxyBind's taker holds, and Reserved reserves.
std::uint32_t taken_ports(Pattern pattern, std::uint32_t range_size);

// Runs the pattern until the kernel refuses (or, for Healthy, to its planned size), waits for
// the states to settle, writes a Report to `report_fd`, holds its sockets.
[[noreturn]] void run_client(Pattern pattern, std::uint32_t range_size, int report_fd);

}  // namespace portwatch::lab::detail
