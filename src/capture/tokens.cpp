#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

struct ProtocolName {
    std::string_view word;
    ProtocolWord value;
};

constexpr ProtocolName kProtocolWords[] = {
    {"tcp", {core::Protocol::Tcp, core::Family::Ipv4}},
    {"udp", {core::Protocol::Udp, core::Family::Ipv4}},
    {"tcpv6", {core::Protocol::Tcp, core::Family::Ipv6}},
    {"udpv6", {core::Protocol::Udp, core::Family::Ipv6}},
    {"tcp6", {core::Protocol::Tcp, core::Family::Ipv6}},
    {"udp6", {core::Protocol::Udp, core::Family::Ipv6}},
    {"udpl", {core::Protocol::Udp, core::Family::Ipv4}},
    {"udpl6", {core::Protocol::Udp, core::Family::Ipv6}},
};

}  // namespace

std::optional<ProtocolWord> parse_protocol_word(std::string_view word) {
    for (const auto& p : kProtocolWords) {
        if (iequals(word, p.word)) {
            return p.value;
        }
    }
    return std::nullopt;
}

}  // namespace portwatch::capture
