#pragma once
// One socket as every source reports it: the kernel's numbering for TCP states, so the Linux
// sources map 1:1, and BOUND for sockets that own a port without listening or connecting
// (Linux 6.8+ TCP_BOUND_INACTIVE, Windows netstat -q "BOUND").

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "core/pid_list.h"

namespace portwatch::core {

enum class Protocol : std::uint8_t { Tcp, Udp };

enum class TcpState : std::uint8_t {
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,  // UDP: unconnected ("UNCONN")
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,  // never reported; folded into SynRecv
    Bound = 13,
};

// kernel idiag_timer values
enum class TimerKind : std::uint8_t {
    None = 0,
    Retransmit = 1,
    Keepalive = 2,
    TimeWait = 3,
    Probe = 4
};

// Whether the local port was chosen by bind() with a nonzero port (SOCK_BINDPORT_LOCK) or
// assigned automatically (connect() autobind, bind(0), accept()). Unknown for captures.
enum class PortBinding : std::uint8_t { Unknown, Auto, Explicit };

// How the owner list was obtained.
enum class Attribution : std::uint8_t {
    Unknown,           // no owner found
    Owned,             // an open file descriptor refers to the socket
    InferredHistory,   // the process that held the same tuple earlier (monitor history)
    InferredEndpoint,  // the owner of other sockets to the same remote endpoint
    // The process that made the socket, recorded in its own context by a running monitor's
    // eBPF event source (TIME_WAIT and orphans, which no descriptor refers to): exact.
    Recorded,
};

struct Socket {
    Protocol protocol = Protocol::Tcp;
    TcpState state = TcpState::Unknown;
    TimerKind timer = TimerKind::None;
    PortBinding binding = PortBinding::Unknown;
    Attribution attribution = Attribution::Unknown;
    Endpoint local;
    Endpoint remote;
    std::uint64_t inode = 0;   // 0 for TIME_WAIT, request and orphaned sockets
    std::uint64_t cookie = 0;  // kernel socket cookie; 0 when unknown
    std::optional<std::uint32_t> uid;
    std::uint32_t expires_ms = 0;  // time left on `timer`
    std::uint32_t rqueue = 0;
    std::uint32_t wqueue = 0;
    std::uint32_t interface = 0;  // bound device (SO_BINDTODEVICE), 0 for none
    std::uint64_t netns = 0;      // inode of the network namespace; 0 when unknown
    PidList owners;               // pids, ascending; empty when unknown or ownerless

    Family family() const { return local.address.family(); }
};

// "ESTABLISHED", "TIME_WAIT", ...; UDP: "UNCONN" (unconnected) or "ESTABLISHED".
std::string_view state_name(Protocol protocol, TcpState state);
// Inverse of state_name for either protocol's names, also accepting ss spellings
// ("ESTAB", "TIME-WAIT", "SYN-SENT", "UNCONN") and case differences.
std::optional<TcpState> parse_state(std::string_view text);
std::string_view protocol_name(Protocol protocol);
// True for the TCP states the kernel keeps in its established hash, each holding its 4-tuple:
// SYN_SENT through TIME_WAIT and CLOSING (not LISTEN, CLOSE, BOUND or request sockets).
bool occupies_four_tuple(TcpState state);
std::string_view attribution_name(Attribution attribution);
std::string_view binding_name(PortBinding binding);
std::string_view timer_name(TimerKind timer);

}  // namespace portwatch::core
