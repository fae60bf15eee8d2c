#include "analyze/limits.h"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/findings.h"
#include "analyze/what_breaks.h"

namespace portwatch::analyze {

namespace {

constexpr double kShowProcessAt = 0.5;  // processes below this fd usage are not listed
constexpr std::uint64_t kUnlimited = std::uint64_t{1} << 62;

std::string states_text(const StateCounts& s) {
    std::vector<std::pair<std::uint32_t, std::size_t>> rows;
    for (std::size_t i = 0; i < s.by_state.size(); ++i) {
        if (s.by_state[i] != 0) rows.push_back({s.by_state[i], i});
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
                    if (s.protocol == core::Protocol::Tcp) out[i].socket_states.add(s.state);
                }
            }
        }
    }
    if (!facts) {
        return out;
    }
    const auto& f = *facts;
    if (f.files_allocated && f.file_max) {
        out.push_back(usage(LimitKind::FileMax, "fs.file-max", *f.files_allocated, *f.file_max, t));
    }
    if (f.conntrack_count && f.conntrack_max) {
        out.push_back(usage(LimitKind::Conntrack, "net.netfilter.nf_conntrack_max",
                            *f.conntrack_count, *f.conntrack_max, t));
    }
    if (f.tcp_tw && f.tcp_max_tw_buckets) {
        out.push_back(usage(LimitKind::TimeWaitBuckets, "net.ipv4.tcp_max_tw_buckets", *f.tcp_tw,
                            *f.tcp_max_tw_buckets, t));
    }
    if (f.tcp_orphan && f.tcp_max_orphans) {
        out.push_back(usage(LimitKind::Orphans, "net.ipv4.tcp_max_orphans", *f.tcp_orphan,
                            *f.tcp_max_orphans, t));
    }
    if (f.tcp_mem_pages && f.tcp_mem) {
        auto u = usage(LimitKind::TcpMemory, "net.ipv4.tcp_mem", *f.tcp_mem_pages, (*f.tcp_mem)[2], t);
        // Above the pressure threshold the kernel already squeezes socket buffers.
        if (*f.tcp_mem_pages >= (*f.tcp_mem)[1] && u.severity == Severity::Ok) {
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
        std::string numbers = fmt::format("{} of {} ({:.0f}%)", u.used, u.limit, u.utilisation * 100);
        switch (u.kind) {
            case LimitKind::ProcessFds: {
                f.mechanism = Mechanism::FdLimit;
                f.title = fmt::format("{} (pid {}) has {} file descriptors open: its next socket, "
                                      "file or pipe fails with EMFILE (Too many open files).",
                                      u.name, u.pid, numbers);
                Culprit c{u.pid, u.name, {}, u.sockets, 1.0, false, static_cast<std::uint32_t>(u.used)};
                f.culprits.push_back(std::move(c));
                bool leaking = classify_states(u.socket_states) == Mechanism::CloseWaitLeak;
                std::string close_wait =
                    leaking ? fmt::format("its sockets are mostly CLOSE_WAIT: {} does not close "
                                          "connections the peer has closed (an application bug: "
                                          "close on end-of-file and on errors; restarting it frees "
                                          "them now)",
                                          u.name)
                            : std::string();
                if (u.sockets * 2 > u.used) {
                    f.remedy = fmt::format(
                        "Most of its descriptors are sockets: {}. Raising its limit (LimitNOFILE= in "
                        "its systemd unit, ulimit -n) only buys time.",
                        leaking ? close_wait
                                : fmt::format("cap {}'s connections (a pool with a maximum, close "
                                              "idle ones)", u.name));
                } else {
                    f.remedy = fmt::format(
                        "{} of its {} descriptors are files or pipes: look for leaked ones (ls -l "
                        "/proc/{}/fd){}. Or raise its limit (LimitNOFILE= in its systemd unit, "
                        "ulimit -n).",
                        u.used - u.sockets, u.used, u.pid, leaking ? "; and " + close_wait : "");
                }
                break;
            }
            case LimitKind::FileMax:
                f.mechanism = Mechanism::FileMax;
                f.title = fmt::format("The host has {} files open against fs.file-max: opens fail "
                                      "with ENFILE.", numbers);
                f.remedy = "Find the process holding most files; raise fs.file-max.";
                break;
            case LimitKind::Conntrack:
                f.mechanism = Mechanism::Conntrack;
                f.title = fmt::format("The connection-tracking table holds {} entries: when full the "
                                      "kernel drops new connections (\"nf_conntrack: table full\").", numbers);
                f.remedy = "Raise net.netfilter.nf_conntrack_max, shorten "
                           "nf_conntrack_tcp_timeout_time_wait, or exempt busy flows (NOTRACK).";
                break;
            case LimitKind::TimeWaitBuckets:
                f.mechanism = Mechanism::TimeWaitBuckets;
                f.title = fmt::format("TIME_WAIT sockets: {} of tcp_max_tw_buckets; beyond it the "
                                      "kernel drops TIME_WAIT early (TCPTimeWaitOverflow).", numbers);
                f.remedy = "Reduce connection churn (keep-alive, pooling); raising "
                           "tcp_max_tw_buckets costs ~200 bytes per entry.";
                break;
            case LimitKind::Orphans:
                f.mechanism = Mechanism::Orphans;
                f.title = fmt::format("Orphaned TCP sockets (closed, still sending): {} of "
                                      "tcp_max_orphans; beyond it connections are reset.", numbers);
                f.remedy = "Look for peers that stop reading; raise net.ipv4.tcp_max_orphans if memory allows.";
                break;
            case LimitKind::TcpMemory:
                f.mechanism = Mechanism::TcpMemory;
                f.title = fmt::format("TCP socket memory: {} pages of tcp_mem's maximum: under "
                                      "pressure the kernel shrinks buffers and kills orphans.", numbers);
                f.remedy = "Find sockets with large queues (ss -tm); raise net.ipv4.tcp_mem.";
                break;
        }
        if (u.kind == LimitKind::ProcessFds) {
            f.evidence.push_back(fmt::format(
                "{}: {} file descriptors (soft RLIMIT_NOFILE), {} of them sockets{}", u.name,
                numbers, u.sockets,
                u.socket_states.total() ? "; TCP: " + states_text(u.socket_states) : std::string()));
        } else {
            f.evidence.push_back(fmt::format("{}: {}", u.name, numbers));
        }
        f.breaks = limit_breakage(u);
        if (facts && u.kind == LimitKind::TimeWaitBuckets && facts->tw_overflow) {
            f.evidence.push_back(fmt::format("TcpExt TCPTimeWaitOverflow = {}", *facts->tw_overflow));
        }
        if (facts && (u.kind == LimitKind::Orphans || u.kind == LimitKind::TcpMemory) &&
            facts->abort_on_memory) {
            f.evidence.push_back(fmt::format("TcpExt TCPAbortOnMemory = {}", *facts->abort_on_memory));
        }
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace portwatch::analyze
