#include "collect/linux/binding_cache.h"

#include <algorithm>

namespace portwatch::collect {

std::size_t BindingCache::fill(std::vector<core::Socket>& sockets) {
    std::lock_guard lock(mutex_);
    order_.clear();
    order_.reserve(sockets.size());
    for (std::uint32_t i = 0; i < sockets.size(); ++i) {
        if (sockets[i].cookie != 0) {
            order_.emplace_back(sockets[i].cookie, i);
        }
    }
    std::sort(order_.begin(), order_.end());
    std::size_t set = 0;
    auto old = kept_.begin();
    for (const auto& [cookie, i] : order_) {
        while (old != kept_.end() && old->cookie < cookie) {
            ++old;
        }
        if (old == kept_.end()) {
            break;
        }
        core::Socket& s = sockets[i];
        if (old->cookie == cookie && s.binding == core::PortBinding::Unknown &&
            old->protocol == s.protocol && old->port == s.local.port) {
            s.binding = old->binding;
            ++set;
        }
    }
    last_filled_ = set;
    return set;
}

void BindingCache::keep(const std::vector<core::Socket>& sockets) {
    std::lock_guard lock(mutex_);
    kept_.clear();
    kept_.reserve(order_.size());
    for (const auto& [cookie, i] : order_) {
        if (i >= sockets.size() || sockets[i].cookie != cookie) {
            continue;  // not the vector fill() saw: keep what still matches
        }
        const core::Socket& s = sockets[i];
        if (s.binding == core::PortBinding::Unknown ||
            (!kept_.empty() && kept_.back().cookie == cookie)) {
            continue;
        }
        kept_.push_back({cookie, s.local.port, s.protocol, s.binding});
    }
    order_.clear();
}

}  // namespace portwatch::collect
