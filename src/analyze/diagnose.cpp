#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "analyze/findings.h"
#include "analyze/limits.h"
#include "analyze/pool_model.h"
#include "analyze/report.h"
#include "analyze/what_breaks.h"
#include "analyze/windows_evidence.h"
#include "core/plural.h"

namespace portwatch::analyze {

namespace {

std::string ok_summary(const Report& r) {
    const auto& c = r.checked;
    return fmt::format(
        "OK: no port pool is under pressure. Checked {} ({} TCP, {} UDP) in {}, {} and {} "
        "against the range {}-{} ({} usable ports), and {}{}.",
        core::plural(c.sockets, "socket", "sockets"), c.tcp, c.udp,
        core::plural(c.connect_pools, "connect() pool", "connect() pools"),
        core::plural(c.local_pools, "local TCP pool", "local TCP pools"),
        core::plural(c.udp_pools, "UDP pool", "UDP pools"), r.range.low, r.range.high, r.range_size,
        core::plural(c.limits, "neighbouring limit", "neighbouring limits"),
        c.host_facts ? "" : " (host limits not available)");
}

}  // namespace

Report diagnose(const core::Snapshot& snapshot, const core::HostFacts* facts,
                const Thresholds& thresholds) {
    Report r;
    r.hostname = snapshot.hostname;
    r.netns = snapshot.netns;
    r.netns_name = snapshot.netns_name;
    r.taken_at = snapshot.taken_at;
    r.source = snapshot.source;
    r.platform = snapshot.config.platform;
    r.warnings = snapshot.warnings;

    auto owners = EffectiveOwners::build(snapshot);
    PoolModel model = build_pools(snapshot, owners, thresholds);
    r.range = model.range;
    r.range_origin = model.range_origin;
    r.range_source =
        snapshot.config.ephemeral ? snapshot.config.range_source : core::RangeSource::Default;
    r.range_inference = snapshot.config.range_inference;
    r.range_size = model.tcp_size;
    r.reserved = model.reserved;
    r.bind_owned = model.bind_owned;
    r.listeners_in_range = model.listeners_in_range;
    r.tcp_tw_reuse = model.tcp_tw_reuse;
    r.tw_reuse_assumed = model.tw_reuse_assumed;
    auto tw = time_wait_length(snapshot.config);
    r.time_wait_seconds = tw.seconds;
    r.time_wait_origin = tw.origin;
    r.windows = snapshot.config.windows;

    auto& c = r.checked;
    c.sockets = static_cast<std::uint32_t>(snapshot.sockets.size());
    for (const auto& s : snapshot.sockets) {
        (s.protocol == core::Protocol::Tcp ? c.tcp : c.udp) += 1;
    }
    c.processes = static_cast<std::uint32_t>(snapshot.processes.size());
    for (const auto& p : model.pools) {
        switch (p.key.kind) {
            case PoolKind::TcpConnect:
                ++c.connect_pools;
                break;
            case PoolKind::TcpLocal:
                ++c.local_pools;
                break;
            case PoolKind::UdpLocal:
                ++c.udp_pools;
                break;
        }
    }
    c.time_wait_inferred = owners.inferred_count();
    if (c.time_wait_inferred > 0) {
        std::unordered_map<std::int32_t, std::uint32_t> by_pid;
        for (std::size_t i = 0; i < snapshot.sockets.size(); ++i) {
            if (owners.inferred(i)) {
                for (auto pid : owners.of(i)) {
                    ++by_pid[pid];
                }
            }
        }
        for (const auto& [pid, n] : by_pid) {
            const auto* proc = snapshot.find_process(pid);
            r.inferred_time_waits.push_back({pid, proc ? proc->name : std::string(), n});
        }
        std::sort(r.inferred_time_waits.begin(), r.inferred_time_waits.end(),
                  [](const InferredTimeWaits& a, const InferredTimeWaits& b) {
                      return std::tie(b.sockets, a.pid) < std::tie(a.sockets, b.pid);
                  });
    }
    c.time_wait_unowned = owners.unowned_time_wait();
    c.host_facts = facts != nullptr;
    if (facts) {
        r.host = *facts;
    }

    r.findings = pool_findings(snapshot, model, thresholds);
    r.limits = check_limits(snapshot, facts, thresholds);
    c.limits = static_cast<std::uint32_t>(r.limits.size());
    auto limit = limit_findings(r.limits, facts);
    r.findings.insert(r.findings.end(), std::make_move_iterator(limit.begin()),
                      std::make_move_iterator(limit.end()));
    if (facts && facts->windows) {
        bool ports_short = std::any_of(r.findings.begin(), r.findings.end(),
                                       [](const Finding& f) { return f.severity != Severity::Ok; });
        auto evidence =
            windows_evidence_findings(*facts->windows, ports_short, snapshot.taken_at, thresholds);
        r.findings.insert(r.findings.end(), std::make_move_iterator(evidence.begin()),
                          std::make_move_iterator(evidence.end()));
    }
    std::stable_sort(r.findings.begin(), r.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    r.pools = std::move(model.pools);

    if (snapshot.source.sockets.empty() && snapshot.sockets.empty()) {
        r.unknown = true;
        r.summary = "UNKNOWN: no sockets could be read, so no verdict is possible.";
        return r;
    }
    if (model.range_origin.starts_with("assumed")) {
        r.warnings.push_back(
            {fmt::format("the ephemeral range is not known; assumed the {} default "
                         "{}-{}",
                         r.platform == core::Platform::Windows ? "Windows" : "Linux", r.range.low,
                         r.range.high)});
    }
    // A capture judged by the range its own ports show says so in the verdict.
    auto add_range_note = [&] {
        if (!snapshot.config.range_note.empty()) {
            r.summary += " " + snapshot.config.range_note;
        }
    };
    if (r.findings.empty()) {
        r.verdict = Severity::Ok;
        r.summary = ok_summary(r);
        add_range_note();
        return r;
    }
    // The headline is never milder than a pool the report shows (pool_findings tells every
    // rated pool at its severity; this holds the rule should a pool slip through).
    r.verdict = r.findings.front().severity;
    for (const auto& p : r.pools) {
        if (!p.severity_capped && p.severity > r.verdict) {
            r.verdict = p.severity;
        }
    }
    r.summary = fmt::format("{}: {}", severity_name(r.verdict), r.findings.front().title);
    r.breaks = report_breakage(r.findings);
    if (r.breaks) {
        r.summary += " " + r.breaks->text;
    }
    if (r.findings.size() > 1) {
        r.summary += fmt::format(" ({} more finding{} below.)", r.findings.size() - 1,
                                 r.findings.size() > 2 ? "s" : "");
    }
    add_range_note();
    return r;
}

}  // namespace portwatch::analyze
