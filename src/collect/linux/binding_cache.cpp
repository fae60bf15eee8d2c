#include "collect/linux/binding_cache.h"

#include <algorithm>

#include "collect/linux/home_slot.h"

namespace portwatch::collect {

BindingCache::Entry* BindingCache::find(std::uint64_t cookie) {
    if (table_.empty()) {
        return nullptr;
    }
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = home_slot(cookie, table_.size());; i = (i + 1) & mask) {
        Entry& e = table_[i];
        if (e.cookie == cookie) {
            return &e;
        }
        if (e.cookie == 0) {
            return nullptr;
        }
    }
}

void BindingCache::put(const Entry& entry) {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = home_slot(entry.cookie, table_.size());; i = (i + 1) & mask) {
        Entry& e = table_[i];
        if (e.cookie == 0 || e.cookie == entry.cookie) {
            used_ += e.cookie == 0;
            live_ += e.cookie == 0 || e.round != round_;
            e = entry;
            return;
        }
    }
}

void BindingCache::rebuild(std::size_t capacity) {
    std::vector<Entry> old = std::move(table_);
    table_.assign(capacity, Entry{});
    used_ = 0;
    live_ = 0;
    for (const Entry& e : old) {
        if (e.cookie != 0 && e.round == round_) {
            put(e);
        }
    }
}

std::size_t BindingCache::fill(std::vector<core::Socket>& sockets) {
    std::lock_guard lock(mutex_);
    ++round_;
    live_ = 0;
    pending_.clear();
    std::size_t set = 0;
    for (std::uint32_t i = 0; i < sockets.size(); ++i) {
        core::Socket& s = sockets[i];
        // Sockets already resolved (eBPF owners read their port locks) need no probe: with
        // eBPF the table holds the few orphans only.
        if (s.cookie == 0 || s.binding != core::PortBinding::Unknown) {
            continue;
        }
        Entry* e = find(s.cookie);
        const bool same = e != nullptr && e->protocol == s.protocol && e->port == s.local.port;
        if (same && e->round != round_) {
            e->round = round_;  // still there: kept another round
            ++live_;
        }
        if (same) {
            s.binding = e->binding;
            ++set;
        } else {
            pending_.emplace_back(s.cookie, i);
        }
    }
    last_filled_ = set;
    return set;
}

void BindingCache::keep(const std::vector<core::Socket>& sockets) {
    std::lock_guard lock(mutex_);
    // Room for every socket of this round at most half full; stale slots (sockets gone)
    // are dropped when they fill a quarter more.
    const std::size_t want = live_ + pending_.size();
    std::size_t capacity = std::max<std::size_t>(table_.size(), 1024);
    while (capacity < 2 * want) {
        capacity *= 2;
    }
    if (capacity != table_.size() || used_ + pending_.size() > capacity / 4 * 3) {
        rebuild(capacity);
    }
    for (const auto& [cookie, i] : pending_) {
        if (i >= sockets.size() || sockets[i].cookie != cookie) {
            continue;  // not the vector fill() saw
        }
        const core::Socket& s = sockets[i];
        if (s.binding != core::PortBinding::Unknown) {
            put({cookie, round_, s.local.port, s.protocol, s.binding});
        }
    }
    pending_.clear();
}

}  // namespace portwatch::collect
