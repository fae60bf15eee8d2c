#pragma once
// The range a capture was taken with, read from the capture itself (docs/analyze.md, "The
// range"). A kernel hands out connect() and bind(0) ports only from its dynamic range, so the
// local ports of outbound connections show where that range lies. When most of them fall
// outside the range a capture would be judged by (a Windows host still on 1025-5000, a Linux
// host with a custom ip_local_port_range), that range is wrong, and the ports tell a better one.
//
// Evidence: distinct local ports (not sockets: a server port counts once however many clients
// it has) of TCP sockets in a connection state (SYN_SENT ... TIME_WAIT, not SYN_RECV) with a
// numeric peer, leaving out
//   - ports below 1024 (no OS default starts there; Windows refuses a start below 1025),
//   - ports some socket of the snapshot listens on (the server side of its connections),
//   - ports with connections from three or more distinct peer ports of 1024 and above (the
//     server side of a listener the capture does not show: `ss -tn`, a findstr filter).
// Rule: the assumed range does not fit when at least kMinOutside of these ports, and at least
// a quarter of them, lie outside it (explicit binds to fixed ports are few). Then the inferred
// range is the smallest known range of the platform that covers all but 2 % of them and that
// their span fills at least half of; else the span of the ports seen ("at least LOW-HIGH"),
// after trimming 1 % at each end. No narrower range is ever inferred from ports that fit: Linux
// hands a burst of connections to one destination consecutive ports, so clustering proves
// nothing about where the range ends.

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/host_config.h"
#include "core/snapshot.h"

namespace portwatch::capture {

struct Capture;
class OutboundPorts;

constexpr std::uint32_t kMinOutside = 8;

// nullopt when the ports fit `assumed` (or are too few to tell); else what they say.
std::optional<core::RangeInference> check_range(const OutboundPorts& ports, core::PortRange assumed,
                                                std::string assumed_name, core::Platform platform);

// A set of ports: fixed size (8 KiB) however many captures are added, so `analyze` can gather
// the ports of a whole run while it streams the captures.
class OutboundPorts {
  public:
    void add(const core::Snapshot& snapshot);
    void add(const Capture& capture);
    std::uint32_t count() const { return static_cast<std::uint32_t>(seen_.count()); }
    std::vector<std::uint16_t> sorted() const;

  private:
    friend std::optional<core::RangeInference> check_range(const OutboundPorts&, core::PortRange,
                                                           std::string, core::Platform);
    std::bitset<65536> seen_;
    std::uint64_t version_ = 0;  // counts the ports added
    // check_range's last answer: a run asks the same question once per capture, and the ports
    // rarely change between two (150,000 captures must not walk 65,536 bits each).
    struct Memo {
        std::uint64_t version = 0;
        core::PortRange assumed;
        core::Platform platform{};
        std::string assumed_name;
        std::optional<core::RangeInference> answer;
    };
    mutable std::optional<Memo> memo_;
};

}  // namespace portwatch::capture
