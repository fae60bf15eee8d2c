#include "analyze/limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "analyze/findings.h"
#include "analyze/what_breaks.h"

namespace portwatch::analyze {

namespace {

constexpr double kShowProcessAt = 0.5;  // processes below this fd usage are not listed
constexpr std::uint64_t kUnlimited = std::uint64_t{1} << 62;

std::string states_text(const StateCounts& s) {
    std::vector<std::pair<std::uint32_t, std::size_t>> rows;
    for (std::size_t i = 0; i < s.by_state.size(); ++i) {
        if (s.by_state[i] != 0)
            rows.push_back({s.by_state[i], i});
    }
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::string out;
    for (const auto& [n, i] : rows) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n,
                           core::state_name(core::Protocol::Tcp, static_cast<core::TcpState>(i)));
    }
    return out;
}

LimitUsage usage(LimitKind kind, std::string name, std::uint64_t used, std::uint64_t limit,
                 const Thresholds& t) {
    LimitUsage u{kind, 0, std::move(name), used, limit, 0, Severity::Ok, 0, {}};
    u.utilisation = limit ? static_cast<double>(used) / static_cast<double>(limit) : 0.0;
    u.severity = rate(u.utilisation, used >= limit ? 0 : limit - used, t);
    return u;
}

// The host-wide limits: where the numbers come from, and what a finding says. One row each.
struct HostLimit {
    LimitKind kind;
    Mechanism mechanism;
    std::string_view name;  // the sysctl, as the finding and its evidence name it
    std::optional<std::uint64_t> core::HostFacts::*used;
    std::optional<std::uint64_t> core::HostFacts::*limit;  // nullptr: tcp_mem's maximum
    std::string_view title;                                // {} is "used of limit (pct)"
    std::string_view remedy;
    std::optional<std::uint64_t> core::HostFacts::*proof;  // a TcpExt counter that shows it was hit
    std::string_view proof_name;
};

constexpr HostLimit kHostLimits[] = {
    {LimitKind::FileMax, Mechanism::FileMax, "fs.file-max", &core::HostFacts::files_allocated,
     &core::HostFacts::file_max,
     "The host has {} files open against fs.file-max: opens fail with ENFILE.",
     "Find the process holding most files; raise fs.file-max.", nullptr, ""},
    {LimitKind::Conntrack, Mechanism::Conntrack, "net.netfilter.nf_conntrack_max",
     &core::HostFacts::conntrack_count, &core::HostFacts::conntrack_max,
     "The connection-tracking table holds {} entries: when full the kernel drops new "
     "connections (\"nf_conntrack: table full\").",
     "Raise net.netfilter.nf_conntrack_max, shorten nf_conntrack_tcp_timeout_time_wait, or "
     "exempt busy flows (NOTRACK).",
     nullptr, ""},
    {LimitKind::TimeWaitBuckets, Mechanism::TimeWaitBuckets, "net.ipv4.tcp_max_tw_buckets",
     &core::HostFacts::tcp_tw, &core::HostFacts::tcp_max_tw_buckets,
     "TIME_WAIT sockets: {} of tcp_max_tw_buckets; beyond it the kernel drops TIME_WAIT early "
     "(TCPTimeWaitOverflow).",
     "Reduce connection churn (keep-alive, pooling); raising tcp_max_tw_buckets costs ~200 "
     "bytes per entry.",
     &core::HostFacts::tw_overflow, "TCPTimeWaitOverflow"},
    {LimitKind::Orphans, Mechanism::Orphans, "net.ipv4.tcp_max_orphans",
     &core::HostFacts::tcp_orphan, &core::HostFacts::tcp_max_orphans,
     "Orphaned TCP sockets (closed, still sending): {} of tcp_max_orphans; beyond it "
     "connections are reset.",
     "Look for peers that stop reading; raise net.ipv4.tcp_max_orphans if memory allows.",
     &core::HostFacts::abort_on_memory, "TCPAbortOnMemory"},
    {LimitKind::TcpMemory, Mechanism::TcpMemory, "net.ipv4.tcp_mem",
     &core::HostFacts::tcp_mem_pages, nullptr,
     "TCP socket memory: {} pages of tcp_mem's maximum: under pressure the kernel shrinks "
     "buffers and kills orphans.",
     "Find sockets with large queues (ss -tm); raise net.ipv4.tcp_mem.",
     &core::HostFacts::abort_on_memory, "TCPAbortOnMemory"},
};

const HostLimit* host_limit(LimitKind kind) {
    for (const auto& l : kHostLimits) {
        if (l.kind == kind)
            return &l;
    }
    return nullptr;
}

}  // namespace

std::vector<LimitUsage> check_limits(const core::Snapshot& snap, const core::HostFacts* facts,
                                     const Thresholds& t) {
    std::vector<LimitUsage> out;
    // Per process: open fds against the soft RLIMIT_NOFILE (EMFILE). Every process is
    // checked; those far from their limit are not listed, except the closest one.
    std::vector<LimitUsage> fds;
    for (const auto& p : snap.processes) {
        if (!p.fd_count || !p.fd_limit || *p.fd_limit == 0 || *p.fd_limit >= kUnlimited) {
            continue;
        }
        auto u = usage(LimitKind::ProcessFds, p.name, *p.fd_count, *p.fd_limit, t);
        u.pid = p.pid;
        fds.push_back(std::move(u));
    }
    std::sort(fds.begin(), fds.end(), [](const LimitUsage& a, const LimitUsage& b) {
        return a.utilisation > b.utilisation;
    });
    std::size_t listed = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (i == 0 || fds[i].utilisation >= kShowProcessAt) {
            out.push_back(fds[i]);
            ++listed;
        }
    }
    // How many of a listed process's descriptors are sockets, by state: what it leaks.
    for (const auto& s : snap.sockets) {
        for (auto pid : s.owners) {
            for (std::size_t i = 0; i < listed; ++i) {
                if (out[i].pid == pid) {
                    ++out[i].sockets;
                    if (s.protocol == core::Protocol::Tcp)
                        out[i].socket_states.add(s.state);
                }
            }
        }
    }
    if (!facts) {
        return out;
    }
    const auto& f = *facts;
    for (const auto& l : kHostLimits) {
        const auto& used = f.*l.used;
        std::optional<std::uint64_t> limit;
        if (l.limit) {
            limit = f.*l.limit;
        } else if (f.tcp_mem) {
            limit = (*f.tcp_mem)[2];
        }
        if (!used || !limit) {
            continue;
        }
        auto u = usage(l.kind, std::string(l.name), *used, *limit, t);
        // Above tcp_mem's pressure threshold the kernel already squeezes socket buffers.
        if (l.kind == LimitKind::TcpMemory && *used >= (*f.tcp_mem)[1] &&
            u.severity == Severity::Ok) {
            u.severity = Severity::Warning;
        }
        out.push_back(std::move(u));
    }
    return out;
}

std::vector<Finding> limit_findings(const std::vector<LimitUsage>& limits,
                                    const core::HostFacts* facts) {
    std::vector<Finding> out;
    for (const auto& u : limits) {
        if (u.severity == Severity::Ok) {
            continue;
        }
        Finding f;
        f.severity = u.severity;
        std::string numbers =
            fmt::format("{} of {} ({:.0f}%)", u.used, u.limit, u.utilisation * 100);
        switch (u.kind) {
            case LimitKind::ProcessFds: {
                f.mechanism = Mechanism::FdLimit;
                f.title = fmt::format(
                    "{} (pid {}) has {} file descriptors open: its next socket, "
                    "file or pipe fails with EMFILE (Too many open files).",
                    u.name, u.pid, numbers);
                Culprit c{
                    u.pid, u.name, {}, u.sockets, 1.0, false, static_cast<std::uint32_t>(u.used)};
                f.culprits.push_back(std::move(c));
                bool leaking = classify_states(u.socket_states) == Mechanism::CloseWaitLeak;
                std::string close_wait =
                    leaking ? fmt::format(
                                  "its sockets are mostly CLOSE_WAIT: {} does not close "
                                  "connections the peer has closed (an application bug: "
                                  "close on end-of-file and on errors; restarting it frees "
                                  "them now)",
                                  u.name)
                            : std::string();
                if (u.sockets * 2 > u.used) {
                    f.remedy = fmt::format(
                        "Most of its descriptors are sockets: {}. Raising its limit (LimitNOFILE= "
                        "in "
                        "its systemd unit, ulimit -n) only buys time.",
                        leaking ? close_wait
                                : fmt::format("cap {}'s connections (a pool with a maximum, close "
                                              "idle ones)",
                                              u.name));
                } else {
                    f.remedy = fmt::format(
                        "{} of its {} descriptors are files or pipes: look for leaked ones (ls -l "
                        "/proc/{}/fd){}. Or raise its limit (LimitNOFILE= in its systemd unit, "
                        "ulimit -n).",
                        u.used - u.sockets, u.used, u.pid, leaking ? "; and " + close_wait : "");
                }
                break;
            }
            default: {
                const HostLimit* l = host_limit(u.kind);
                if (l == nullptr)
                    break;
                f.mechanism = l->mechanism;
                f.title = fmt::format(fmt::runtime(l->title), numbers);
                f.remedy = std::string(l->remedy);
                break;
            }
        }
        if (u.kind == LimitKind::ProcessFds) {
            f.evidence.push_back(
                fmt::format("{}: {} file descriptors (soft RLIMIT_NOFILE), {} of them sockets{}",
                            u.name, numbers, u.sockets,
                            u.socket_states.total() ? "; TCP: " + states_text(u.socket_states)
                                                    : std::string()));
        } else {
            f.evidence.push_back(fmt::format("{}: {}", u.name, numbers));
        }
        f.breaks = limit_breakage(u);
        if (const HostLimit* l = host_limit(u.kind); facts && l && l->proof && *facts.*l->proof) {
            f.evidence.push_back(fmt::format("TcpExt {} = {}", l->proof_name, *(*facts.*l->proof)));
        }
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace portwatch::analyze
