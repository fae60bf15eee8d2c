#include "export/fleet_metrics.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/finding.h"
#include "analyze/pool.h"
#include "core/socket.h"

namespace portwatch::exporter {

namespace {

constexpr std::string_view kOther = "other";
// The TCP states a socket can be counted in (TcpState 1..13 without NewSynRecv), and UDP.
constexpr std::size_t kTcpStates = 12;
constexpr std::size_t kPoolSeries = 6 + kTcpStates;  // size used free ratio severity forecast
constexpr std::size_t kPoolKinds = 3;
constexpr std::size_t kErrnoValues = 4;  // EADDRNOTAVAIL, EADDRINUSE, EAGAIN, other
constexpr std::size_t kProcessSeries = (kTcpStates + 1) + 2 + kErrnoValues;
constexpr std::size_t kHostLimits = 5;  // every LimitKind but ProcessFds

std::string local_text(const analyze::Pool& p) {
    return p.key.local.is_unspecified() ? std::string("*") : p.key.local.to_string();
}

// The monitor's name of a pool (monitor/monitor.cpp prints pools the same way).
std::string monitor_pool_name(const analyze::Pool& p) {
    std::string text = std::string(analyze::pool_kind_name(p.key.kind)) + " " + local_text(p);
    if (p.key.kind == analyze::PoolKind::TcpConnect) {
        text += " -> " + p.key.remote.to_string();
    }
    return text;
}

core::Protocol pool_protocol(const analyze::Pool& p) {
    return p.key.kind == analyze::PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp;
}

void add_states(MetricSet& set, const std::vector<std::string>& pool_labels,
                const analyze::StateCounts& states, core::Protocol protocol) {
    for (std::size_t s = 0; s < states.by_state.size(); ++s) {
        if (states.by_state[s] == 0) {
            continue;
        }
        auto labels = pool_labels;
        labels.emplace_back(core::state_name(protocol, static_cast<core::TcpState>(s)));
        set.add(Metric::PoolSockets, std::move(labels), states.by_state[s]);
    }
}

double severity_value(analyze::Severity s) {
    return static_cast<double>(static_cast<int>(s));
}

// Per process name: sockets by state (TCP by state, UDP as one "UDP" count), TIME_WAIT
// attributed by endpoint, exact TIME_WAIT and failures from the monitor.
struct ProcessTally {
    std::array<std::uint64_t, 14> tcp{};
    std::uint64_t udp = 0;
    std::uint64_t time_wait_inferred = 0;
    std::uint64_t time_wait_exact = 0;
    bool exact_known = false;
    std::map<std::string, std::uint64_t> failures;  // by errno name
    std::uint64_t total() const {
        std::uint64_t n = udp + time_wait_inferred;
        for (auto c : tcp) {
            n += c;
        }
        return n;
    }
    void fold(const ProcessTally& o) {
        for (std::size_t i = 0; i < tcp.size(); ++i) {
            tcp[i] += o.tcp[i];
        }
        udp += o.udp;
        time_wait_inferred += o.time_wait_inferred;
        time_wait_exact += o.time_wait_exact;
        exact_known = exact_known || o.exact_known;
        for (const auto& [e, n] : o.failures) {
            failures[e] += n;
        }
    }
};

// A process label is never empty (an empty value would drop the label, merging the series
// with another's): a process whose name could not be read is "unknown".
const std::string& name_label(const std::string& name) {
    static const std::string kUnknown = "unknown";
    return name.empty() ? kUnknown : name;
}

std::string errno_label(int error) {
    switch (error) {
        case EADDRNOTAVAIL:
            return "EADDRNOTAVAIL";
        case EADDRINUSE:
            return "EADDRINUSE";
        case EAGAIN:
            return "EAGAIN";
        default:
            return std::string(kOther);
    }
}

void add_pools(const analyze::Report& report, const std::string& netns,
               const monitor::MonitorState* monitor, const FoldOptions& options, MetricSet& set,
               FoldCounts& folded) {
    std::unordered_map<std::string, const monitor::PoolView*> forecasts;
    if (monitor != nullptr) {
        for (const auto& v : monitor->pools) {
            forecasts.emplace(v.pool, &v);
        }
    }
    struct Other {
        bool any = false;
        std::uint64_t used = 0;
        analyze::StateCounts states;
    };
    std::array<Other, kPoolKinds> other{};
    std::size_t kept = 0;
    // The report lists pools worst first: the top K are the ones that matter.
    for (const analyze::Pool& p : report.pools) {
        const auto kind = static_cast<std::size_t>(p.key.kind) % kPoolKinds;
        if (kept >= options.top_pools) {
            Other& o = other[kind];
            o.any = true;
            o.used += p.size - std::min(p.free, p.size);
            for (std::size_t s = 0; s < o.states.by_state.size(); ++s) {
                o.states.by_state[s] += p.states.by_state[s];
            }
            ++folded.pools;
            continue;
        }
        ++kept;
        const std::vector<std::string> labels{
            netns, std::string(analyze::pool_kind_name(p.key.kind)), local_text(p),
            p.key.kind == analyze::PoolKind::TcpConnect ? p.key.remote.to_string() : ""};
        set.add(Metric::PoolSizePorts, labels, p.size);
        set.add(Metric::PoolUsedPorts, labels, p.size - std::min(p.free, p.size));
        set.add(Metric::PoolFreePorts, labels, p.free);
        set.add(Metric::PoolUtilisation, labels, p.utilisation);
        set.add(Metric::PoolSeverity, labels, severity_value(p.severity));
        add_states(set, labels, p.states, pool_protocol(p));
        if (auto it = forecasts.find(monitor_pool_name(p));
            it != forecasts.end() && it->second->seconds_left) {
            set.add(Metric::PoolExhaustionSeconds, labels, *it->second->seconds_left);
        }
    }
    for (std::size_t k = 0; k < kPoolKinds; ++k) {
        if (!other[k].any) {
            continue;
        }
        const auto kind = static_cast<analyze::PoolKind>(k);
        const std::vector<std::string> labels{netns, std::string(analyze::pool_kind_name(kind)),
                                              std::string(kOther), std::string(kOther)};
        set.add(Metric::PoolUsedPorts, labels, static_cast<double>(other[k].used));
        add_states(set, labels, other[k].states,
                   kind == analyze::PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp);
    }
}

void add_processes(const analyze::Report& report, const core::Snapshot* snapshot,
                   const std::string& netns, const monitor::MonitorState* monitor,
                   const FoldOptions& options, MetricSet& set, FoldCounts& folded) {
    std::unordered_map<std::string, ProcessTally> tally;
    if (snapshot != nullptr) {
        std::unordered_map<std::int32_t, const std::string*> names;
        names.reserve(snapshot->processes.size());
        for (const auto& proc : snapshot->processes) {
            names.emplace(proc.pid, &proc.name);
        }
        std::vector<const std::string*> seen;
        for (const core::Socket& s : snapshot->sockets) {
            if (s.owners.empty()) {
                continue;
            }
            // A socket shared after fork counts once per name, not once per holder.
            seen.clear();
            for (std::int32_t pid : s.owners) {
                auto it = names.find(pid);
                if (it == names.end() ||
                    std::find(seen.begin(), seen.end(), it->second) != seen.end()) {
                    continue;
                }
                seen.push_back(it->second);
                ProcessTally& t = tally[name_label(*it->second)];
                if (s.protocol == core::Protocol::Udp) {
                    ++t.udp;
                } else {
                    ++t.tcp[static_cast<std::size_t>(s.state) % t.tcp.size()];
                }
            }
        }
    }
    for (const analyze::InferredTimeWaits& t : report.inferred_time_waits) {
        if (t.pid != 0) {
            tally[name_label(t.name)].time_wait_inferred += t.sockets;
        }
    }
    if (monitor != nullptr) {
        for (const monitor::ProcessView& v : monitor->processes) {
            ProcessTally& t = tally[name_label(v.name)];
            t.time_wait_exact += v.time_wait_exact;
            t.exact_known = true;
            if (v.failures_total > 0) {
                for (const auto& [error, n] : v.failures_by_errno) {
                    t.failures[errno_label(error)] += n;
                }
            }
        }
    }
    std::vector<std::pair<std::string, ProcessTally>> ranked(tally.begin(), tally.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        const auto ta = a.second.total(), tb = b.second.total();
        return ta != tb ? ta > tb : a.first < b.first;
    });
    if (ranked.size() > options.top_processes) {
        ProcessTally rest;
        for (std::size_t i = options.top_processes; i < ranked.size(); ++i) {
            rest.fold(ranked[i].second);
        }
        folded.processes += ranked.size() - options.top_processes;
        ranked.resize(options.top_processes);
        ranked.emplace_back(std::string(kOther), std::move(rest));
    }
    for (const auto& [name, t] : ranked) {
        for (std::size_t s = 0; s < t.tcp.size(); ++s) {
            if (t.tcp[s] > 0) {
                set.add(Metric::ProcessSockets,
                        {netns, name,
                         std::string(core::state_name(core::Protocol::Tcp,
                                                      static_cast<core::TcpState>(s)))},
                        static_cast<double>(t.tcp[s]));
            }
        }
        if (t.udp > 0) {
            set.add(Metric::ProcessSockets, {netns, name, "UDP"}, static_cast<double>(t.udp));
        }
        if (t.time_wait_inferred > 0) {
            set.add(Metric::ProcessTimeWaitSockets, {netns, name, "inferred"},
                    static_cast<double>(t.time_wait_inferred));
        }
        if (t.exact_known) {
            set.add(Metric::ProcessTimeWaitSockets, {netns, name, "exact"},
                    static_cast<double>(t.time_wait_exact));
        }
        for (const auto& [error, n] : t.failures) {
            set.add(Metric::AllocationFailures, {netns, name, error}, static_cast<double>(n));
        }
    }
}

void add_limits(const analyze::Report& report, const std::string& netns, const FoldOptions& options,
                MetricSet& set, FoldCounts& folded) {
    // Process descriptors: the fullest descriptor table per name, the top K names.
    std::unordered_map<std::string, const analyze::LimitUsage*> fullest;
    for (const analyze::LimitUsage& l : report.limits) {
        if (l.kind == analyze::LimitKind::ProcessFds) {
            auto [it, inserted] = fullest.emplace(l.name, &l);
            if (!inserted && l.utilisation > it->second->utilisation) {
                it->second = &l;
            }
            continue;
        }
        const std::vector<std::string> labels{netns, std::string(analyze::limit_kind_name(l.kind)),
                                              ""};
        set.add(Metric::LimitUsed, labels, static_cast<double>(l.used));
        set.add(Metric::LimitMax, labels, static_cast<double>(l.limit));
        set.add(Metric::LimitUtilisation, labels, l.utilisation);
    }
    std::vector<const analyze::LimitUsage*> ranked;
    ranked.reserve(fullest.size());
    for (const auto& [name, l] : fullest) {
        ranked.push_back(l);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto* a, const auto* b) {
        return a->utilisation != b->utilisation ? a->utilisation > b->utilisation
                                                : a->name < b->name;
    });
    if (ranked.size() > options.top_processes) {
        folded.processes += ranked.size() - options.top_processes;
        ranked.resize(options.top_processes);
    }
    for (const analyze::LimitUsage* l : ranked) {
        const std::vector<std::string> labels{netns, std::string(analyze::limit_kind_name(l->kind)),
                                              l->name};
        set.add(Metric::LimitUsed, labels, static_cast<double>(l->used));
        set.add(Metric::LimitMax, labels, static_cast<double>(l->limit));
        set.add(Metric::LimitUtilisation, labels, l->utilisation);
    }
}

}  // namespace

std::string scope_label(const analyze::Report& report) {
    return report.netns_name.empty() ? std::string("host") : report.netns_name;
}

void add_scope_metrics(const analyze::Report& report, const core::Snapshot* snapshot,
                       const monitor::MonitorState* monitor, const FoldOptions& options,
                       MetricSet& set, FoldCounts& folded) {
    const std::string netns = scope_label(report);
    const bool up = !report.unknown || snapshot != nullptr;
    set.add(Metric::ScopeUp, {netns}, up ? 1 : 0);
    if (!up) {
        return;
    }
    set.add(Metric::ScopeSeverity, {netns}, severity_value(report.verdict));
    set.add(Metric::RangePorts, {netns}, report.range_size);
    set.add(Metric::ReservedPorts, {netns}, report.reserved);
    add_pools(report, netns, monitor, options, set, folded);
    add_processes(report, snapshot, netns, monitor, options, set, folded);
    add_limits(report, netns, options, set, folded);
}

std::size_t series_budget_per_scope(const FoldOptions& o) {
    return 4 + kPoolSeries * o.top_pools + kPoolKinds * (1 + kTcpStates) +
           kProcessSeries * (o.top_processes + 1) + 3 * (kHostLimits + o.top_processes);
}

}  // namespace portwatch::exporter
