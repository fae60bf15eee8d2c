#include "analyze/trend.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace portwatch::analyze {

namespace {

std::string pool_text(const Pool& p) {
    std::string text = std::string(pool_kind_name(p.key.kind)) + " " +
                       (p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string());
    if (p.key.kind == PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

}  // namespace

void TrendBuilder::Sums::add(const Order& o, std::int64_t x, std::uint32_t value) {
    xy += Wide{x} * value;
    y += value;
    if (!seen || o < first_seen) {
        first_seen = o;
        first = value;
    }
    if (!seen || o > last_seen) {
        last_seen = o;
        last = value;
    }
    seen = true;
}

TrendBuilder::Key TrendBuilder::key_of(const PoolKey& k) {
    return {static_cast<std::uint8_t>(k.kind),   k.netns,
            static_cast<std::uint8_t>(k.family), detail::addr_key(k.local),
            detail::addr_key(k.remote.address),  k.remote.port};
}

void TrendBuilder::add(const Report& r) {
    Order order{r.taken_at, captures_};
    if (captures_ == 0) {
        reference_ = r.taken_at;
        first_ = last_ = order;
    }
    first_ = std::min(first_, order);
    last_ = std::max(last_, order);
    ++captures_;
    const std::int64_t x =
        std::chrono::duration_cast<std::chrono::milliseconds>(r.taken_at - reference_).count();
    sum_x_ += x;
    sum_xx_ += Wide{x} * x;
    // A pool (or an owner) missing from a capture counts 0 there, which adds nothing to the sums.
    for (const auto& p : r.pools) {
        auto used = p.size - std::min(p.free, p.size);
        if (used == 0 && p.owners.empty()) {
            continue;
        }
        auto& sums = pools_[key_of(p.key)];
        sums.used.add(order, x, used);
        for (const auto& o : p.owners) {
            auto& owner = sums.owners[o.pid];
            owner.sums.add(order, x, o.sockets);
            if (!o.name.empty() && (owner.name.empty() || order > owner.named)) {
                owner.name = o.name;
                owner.named = order;
            }
        }
    }
}

std::optional<Trend> TrendBuilder::finish(const Report& last) const {
    if (captures_ < 2 || first_.at == last_.at || last.pools.empty()) {
        return std::nullopt;
    }
    const Pool& worst = last.pools.front();
    Trend t;
    t.pool = worst.key;
    t.pool_text = pool_text(worst);
    t.from = first_.at;
    t.to = last.taken_at;
    t.captures = captures_;
    t.size = worst.size;

    // Least-squares slope over every capture, y = 0 where the pool or owner is missing:
    // (n*sum(xy) - sum(x)*sum(y)) / (n*sum(x^2) - sum(x)^2), exact in 128-bit integers (n up
    // to millions, x up to years in milliseconds), per hour; one division at the end.
    const Wide n = static_cast<Wide>(captures_);
    const Wide den = n * sum_xx_ - sum_x_ * sum_x_;
    auto slope = [&](const Sums& s) {
        if (den <= 0) {
            return 0.0;
        }
        Wide num = (n * s.xy - sum_x_ * s.y) * 3'600'000;  // per millisecond -> per hour
        if (num % den == 0) {
            return static_cast<double>(num / den);
        }
        return static_cast<double>(num) / static_cast<double>(den);
    };
    auto at_first = [&](const Sums& s) { return s.seen && s.first_seen == first_ ? s.first : 0u; };
    auto at_last = [&](const Sums& s) { return s.seen && s.last_seen == last_ ? s.last : 0u; };

    static const PoolSums kNone;
    auto it = pools_.find(key_of(worst.key));
    const PoolSums& sums = it != pools_.end() ? it->second : kNone;
    t.used_first = at_first(sums.used);
    t.used_last = worst.size - std::min(worst.free, worst.size);
    t.used_per_hour = slope(sums.used);
    if (t.used_per_hour > 0.0) {
        t.hours_left = worst.free / t.used_per_hour;
    }
    for (const auto& [pid, owner] : sums.owners) {
        ProcessTrend pt;
        pt.pid = pid;
        pt.name = owner.name;
        pt.first = at_first(owner.sums);
        pt.last = at_last(owner.sums);
        pt.per_hour = slope(owner.sums);
        t.processes.push_back(std::move(pt));
    }
    std::sort(t.processes.begin(), t.processes.end(),
              [](const ProcessTrend& a, const ProcessTrend& b) { return a.per_hour > b.per_hour; });
    return t;
}

std::optional<Trend> compute_trend(std::span<const TimedReport> series) {
    if (series.empty()) {
        return std::nullopt;
    }
    TrendBuilder builder;
    for (const auto& s : series) {
        builder.add(*s.report);
    }
    return builder.finish(*series.back().report);
}

}  // namespace portwatch::analyze
