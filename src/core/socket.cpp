#include "core/socket.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace portwatch::core {

namespace {

struct StateName {
    TcpState state;
    std::string_view name;
};

constexpr std::array kStateNames = {
    StateName{TcpState::Established, "ESTABLISHED"},
    StateName{TcpState::SynSent, "SYN_SENT"},
    StateName{TcpState::SynRecv, "SYN_RECV"},
    StateName{TcpState::FinWait1, "FIN_WAIT1"},
    StateName{TcpState::FinWait2, "FIN_WAIT2"},
    StateName{TcpState::TimeWait, "TIME_WAIT"},
    StateName{TcpState::Close, "CLOSE"},
    StateName{TcpState::CloseWait, "CLOSE_WAIT"},
    StateName{TcpState::LastAck, "LAST_ACK"},
    StateName{TcpState::Listen, "LISTEN"},
    StateName{TcpState::Closing, "CLOSING"},
    StateName{TcpState::NewSynRecv, "SYN_RECV"},
    StateName{TcpState::Bound, "BOUND"},
};

}  // namespace

std::string_view state_name(Protocol protocol, TcpState state) {
    if (protocol == Protocol::Udp && state == TcpState::Close) {
        return "UNCONN";
    }
    for (const auto& entry : kStateNames) {
        if (entry.state == state) {
            return entry.name;
        }
    }
    return "UNKNOWN";
}

std::optional<TcpState> parse_state(std::string_view text) {
    std::string key;
    key.reserve(text.size());
    for (char c : text) {
        key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (key == "ESTAB") {
        return TcpState::Established;
    }
    if (key == "UNCONN") {
        return TcpState::Close;
    }
    if (key == "FIN_WAIT_1") {
        return TcpState::FinWait1;
    }
    if (key == "FIN_WAIT_2") {
        return TcpState::FinWait2;
    }
    for (const auto& entry : kStateNames) {
        if (entry.name == key) {
            return entry.state;
        }
    }
    return std::nullopt;
}

bool occupies_four_tuple(TcpState state) {
    switch (state) {
        case TcpState::Established:
        case TcpState::SynSent:
        case TcpState::FinWait1:
        case TcpState::FinWait2:
        case TcpState::TimeWait:
        case TcpState::CloseWait:
        case TcpState::LastAck:
        case TcpState::Closing:
            return true;
        default:
            return false;
    }
}

std::string_view protocol_name(Protocol protocol) {
    return protocol == Protocol::Tcp ? "tcp" : "udp";
}

std::string_view attribution_name(Attribution attribution) {
    switch (attribution) {
        case Attribution::Owned:
            return "owned";
        case Attribution::InferredHistory:
            return "inferred-history";
        case Attribution::InferredEndpoint:
            return "inferred-endpoint";
        case Attribution::Recorded:
            return "exact";
        case Attribution::Unknown:
            break;
    }
    return "unknown";
}

std::string_view binding_name(PortBinding binding) {
    switch (binding) {
        case PortBinding::Auto:
            return "auto";
        case PortBinding::Explicit:
            return "explicit";
        case PortBinding::Unknown:
            break;
    }
    return "unknown";
}

std::string_view timer_name(TimerKind timer) {
    switch (timer) {
        case TimerKind::Retransmit:
            return "on";
        case TimerKind::Keepalive:
            return "keepalive";
        case TimerKind::TimeWait:
            return "timewait";
        case TimerKind::Probe:
            return "persist";
        case TimerKind::None:
            break;
    }
    return "off";
}

}  // namespace portwatch::core
