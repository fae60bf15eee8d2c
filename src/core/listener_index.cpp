#include "core/listener_index.h"

#include <algorithm>
#include <tuple>

namespace portwatch::core {

namespace {

template <typename L>
auto order_key(const L& l) {
    return std::tuple(l.netns, l.protocol, l.port);
}

}  // namespace

ListenerIndex::ListenerIndex(const Snapshot& snapshot) {
    for (const auto& s : snapshot.sockets) {
        const bool listening =
            s.protocol == Protocol::Tcp ? s.state == TcpState::Listen : s.remote.port == 0;
        if (listening && s.local.port != 0) {
            listeners_.push_back(Listener{s.netns, s.local.port, s.protocol, s.local.address});
        }
    }
    std::sort(listeners_.begin(), listeners_.end(),
              [](const Listener& a, const Listener& b) { return order_key(a) < order_key(b); });
}

Direction ListenerIndex::direction(const Socket& s) const {
    if (s.remote.port == 0) {
        return Direction::Unknown;
    }
    const Listener wanted{s.netns, s.local.port, s.protocol, {}};
    auto [first, last] = std::equal_range(
        listeners_.begin(), listeners_.end(), wanted,
        [](const Listener& a, const Listener& b) { return order_key(a) < order_key(b); });
    for (auto l = first; l != last; ++l) {
        if (l->address.is_unspecified() || l->address == s.local.address) {
            return Direction::Inbound;
        }
    }
    return Direction::Outbound;
}

}  // namespace portwatch::core
