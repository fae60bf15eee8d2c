#include "capture/range_inference.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "capture/capture.h"

namespace portwatch::capture {

namespace {

constexpr std::uint16_t kFirstUnprivileged = 1024;
constexpr std::size_t kServerPeerPorts = 3;

struct KnownRange {
    core::PortRange range;
    std::string_view name;
};

// Ranges hosts really run with: the documented defaults and the widenings that vendor guides
// recommend. Windows refuses a start below 1025.
constexpr std::array<KnownRange, 4> kWindowsRanges = {{
    {{1025, 5000}, "the Windows XP/2003 default (MaxUserPort unset)"},
    {{49152, 65535}, "the Windows Vista/2008 and later default"},
    {{10000, 65535}, "the widened Windows range 10000-65535"},
    {{1025, 65535}, "the widest Windows range"},
}};
constexpr std::array<KnownRange, 8> kLinuxRanges = {{
    {{32768, 60999}, "the Linux default since 4.5"},
    {{32768, 61000}, "the Linux default before 4.5"},
    {{1024, 4999}, "the old Linux default of small-memory hosts"},
    {{49152, 65535}, "the IANA dynamic range"},
    {{15000, 65000}, "the widened Linux range 15000-65000"},
    {{10000, 65535}, "the widened Linux range 10000-65535"},
    {{9000, 65500}, "the range Oracle Database recommends"},
    {{1024, 65535}, "the widest Linux range"},
}};

}  // namespace

void OutboundPorts::add(const core::Snapshot& snapshot) {
    std::bitset<65536> listening;
    for (const auto& s : snapshot.sockets) {
        if (s.protocol == core::Protocol::Tcp && s.state == core::TcpState::Listen) {
            listening.set(s.local.port);
        }
    }
    std::vector<std::pair<std::uint16_t, std::uint16_t>> pairs;  // local port, peer port
    for (const auto& s : snapshot.sockets) {
        bool exact_local = s.local.name.empty() || s.local.cut;
        bool exact_peer = s.remote.name.empty() || s.remote.cut;
        if (s.protocol != core::Protocol::Tcp || s.state == core::TcpState::SynRecv ||
            !core::occupies_four_tuple(s.state) || !exact_local || !exact_peer ||
            s.remote.port == 0 || s.local.port < kFirstUnprivileged ||
            listening.test(s.local.port)) {
            continue;
        }
        pairs.emplace_back(s.local.port, s.remote.port);
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    for (std::size_t a = 0; a < pairs.size();) {
        std::size_t b = a;
        std::size_t high_peers = 0;
        for (; b < pairs.size() && pairs[b].first == pairs[a].first; ++b) {
            high_peers += pairs[b].second >= kFirstUnprivileged;
        }
        if (high_peers < kServerPeerPorts && !seen_.test(pairs[a].first)) {
            seen_.set(pairs[a].first);
            ++version_;
        }
        a = b;
    }
}

void OutboundPorts::add(const Capture& capture) {
    for (const auto& cs : capture.snapshots) {
        add(cs.snapshot);
    }
}

std::vector<std::uint16_t> OutboundPorts::sorted() const {
    std::vector<std::uint16_t> out;
    out.reserve(seen_.count());
    for (std::uint32_t p = 0; p < 65536; ++p) {
        if (seen_.test(p)) {
            out.push_back(static_cast<std::uint16_t>(p));
        }
    }
    return out;
}

namespace {

std::optional<core::RangeInference> infer_range(const OutboundPorts& ports, core::PortRange assumed,
                                                std::string assumed_name, core::Platform platform) {
    auto seen = ports.sorted();
    const auto n = static_cast<std::uint32_t>(seen.size());
    std::uint32_t outside = 0;
    for (auto p : seen) {
        outside += !assumed.contains(p);
    }
    if (outside < kMinOutside || outside * 4 < n) {
        return std::nullopt;
    }
    core::RangeInference r;
    r.assumed = assumed;
    r.assumed_name = std::move(assumed_name);
    r.ports_seen = n;
    r.outside = outside;
    // A port far from the others at either end (an explicit bind) does not stretch the span:
    // up to 2 % of them are dropped while the gap to the next is 16 times the mean spacing.
    const std::uint32_t allowed_misses = n / 50;
    std::size_t lo = 0, hi = n - 1;
    auto far = [&](std::uint32_t gap) {
        std::uint32_t mean =
            (seen[hi] - seen[lo]) / std::max<std::uint32_t>(1, static_cast<std::uint32_t>(hi - lo));
        return gap > std::max<std::uint32_t>(64, 16 * mean);
    };
    while (lo + (n - 1 - hi) < allowed_misses && hi > lo + 1) {
        if (far(seen[lo + 1] - seen[lo])) {
            ++lo;
        } else if (far(seen[hi] - seen[hi - 1])) {
            --hi;
        } else {
            break;
        }
    }
    r.seen = {seen[lo], seen[hi]};
    r.inferred = r.seen;

    const KnownRange* best = nullptr;
    std::uint32_t best_misses = 0;
    auto consider = [&](const KnownRange& k) {
        std::uint32_t misses = 0;
        for (auto p : seen) {
            misses += !k.range.contains(p);
        }
        std::uint32_t span = r.seen.size();
        if (misses > allowed_misses || span * 2 < k.range.size()) {
            return;
        }
        if (!best || misses < best_misses ||
            (misses == best_misses && k.range.size() < best->range.size())) {
            best = &k;
            best_misses = misses;
        }
    };
    if (platform == core::Platform::Windows) {
        std::for_each(kWindowsRanges.begin(), kWindowsRanges.end(), consider);
    } else {
        std::for_each(kLinuxRanges.begin(), kLinuxRanges.end(), consider);
    }
    if (best) {
        r.inferred = best->range;
        r.known_name = std::string(best->name);
    }
    return r;
}

}  // namespace

std::optional<core::RangeInference> check_range(const OutboundPorts& ports, core::PortRange assumed,
                                                std::string assumed_name, core::Platform platform) {
    auto& memo = ports.memo_;
    if (memo && memo->version == ports.version_ && memo->assumed == assumed &&
        memo->platform == platform && memo->assumed_name == assumed_name) {
        return memo->answer;
    }
    auto answer = infer_range(ports, assumed, assumed_name, platform);
    memo = OutboundPorts::Memo{ports.version_, assumed, platform, std::move(assumed_name), answer};
    return answer;
}

}  // namespace portwatch::capture
