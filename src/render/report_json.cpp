// The "portwatch.diagnose/1" JSON document (docs/diagnose.md).

#include <algorithm>
#include <optional>
#include <string_view>

#include "analyze/verdict.h"
#include "render/json_writer.h"
#include "render/report_renderer.h"
#include "render/snapshot_renderer.h"

namespace portwatch::render {

namespace {

using analyze::Report;

constexpr std::size_t kMinJsonPools = 50;

void endpoint(JsonWriter& j, const core::Endpoint& e) {
    j.begin_object();
    j.key("address").value(e.address.to_string());
    j.key("port").value(e.port);
    j.end_object();
}

void culprits(JsonWriter& j, const std::vector<analyze::Culprit>& list) {
    j.begin_array();
    for (const auto& c : list) {
        j.begin_object();
        j.key("pid").value(c.pid);
        j.key("name").value(c.name);
        j.key("cmdline").value(c.cmdline);
        j.key("sockets").value(c.sockets);
        j.key("share").value(c.share);
        j.key("inferred").value(c.inferred);
        j.key("file_descriptors").value(c.file_descriptors);
        j.key("ports").value(c.ports);
        j.end_object();
    }
    j.end_array();
}

// Remote endpoints with their socket counts, for pools and findings alike.
void destinations(JsonWriter& j, const std::vector<analyze::DestinationShare>& list) {
    j.begin_array();
    for (const auto& d : list) {
        j.begin_object();
        j.key("address").value(d.remote.address.to_string());
        j.key("port").value(d.remote.port);
        j.key("sockets").value(d.sockets);
        j.end_object();
    }
    j.end_array();
}

void breakage(JsonWriter& j, const std::optional<analyze::Breakage>& b) {
    if (!b) {
        j.null();
        return;
    }
    j.begin_object();
    j.key("now").value(b->now);
    j.key("scope").value(analyze::break_scope_name(b->scope));
    j.key("protocol").value(b->protocol == core::Protocol::Udp ? "udp" : "tcp");
    j.key("destinations").begin_array();
    for (const auto& d : b->destinations) {
        j.begin_object();
        j.key("address").value(d.remote.address.to_string());
        j.key("port").value(d.remote.port);
        j.key("service").value(d.service);
        j.key("sockets").value(d.sockets);
        j.end_object();
    }
    j.end_array();
    j.key("text").value(b->text);
    j.end_object();
}

std::string_view windows_generation_name(core::WindowsGeneration g) {
    switch (g) {
        case core::WindowsGeneration::UpTo2003:
            return "2003-and-earlier";
        case core::WindowsGeneration::VistaPlus:
            return "vista-and-later";
        case core::WindowsGeneration::Unknown:
            break;
    }
    return "unknown";
}

void pool(JsonWriter& j, const analyze::Pool& p) {
    j.begin_object();
    j.key("kind").value(analyze::pool_kind_name(p.key.kind));
    j.key("severity").value(analyze::severity_name(p.severity));
    j.key("severity_capped").value(p.severity_capped);
    j.key("netns").value(p.key.netns);
    j.key("family").value(p.key.family == core::Family::Ipv4 ? "ipv4" : "ipv6");
    j.key("local").value(p.key.local.to_string());
    j.key("remote");
    if (p.key.kind == analyze::PoolKind::TcpConnect) {
        endpoint(j, p.key.remote);
    } else {
        j.null();
    }
    j.key("size").value(p.size);
    j.key("taxed").value(p.taxed);
    j.key("occupied").value(p.occupied);
    j.key("reusable").value(p.reusable);
    j.key("free").value(p.free);
    j.key("utilisation").value(p.utilisation);
    j.key("sockets").value(p.sockets);
    j.key("prebound").value(p.prebound);
    j.key("bound").value(p.bound);
    j.key("states").begin_object();
    auto protocol =
        p.key.kind == analyze::PoolKind::UdpLocal ? core::Protocol::Udp : core::Protocol::Tcp;
    for (std::size_t s = 0; s < p.states.by_state.size(); ++s) {
        if (p.states.by_state[s] != 0) {
            j.key(core::state_name(protocol, static_cast<core::TcpState>(s)))
                .value(p.states.by_state[s]);
        }
    }
    j.end_object();
    j.key("detailed").value(p.detailed);
    j.key("owners").begin_array();
    for (const auto& o : p.owners) {
        j.begin_object();
        j.key("pid").value(o.pid);
        j.key("name").value(o.name);
        j.key("sockets").value(o.sockets);
        j.key("inferred").value(o.inferred);
        j.end_object();
    }
    j.end_array();
    j.key("destinations");
    destinations(j, p.destinations);
    j.end_object();
}

void optional(JsonWriter& j, std::string_view name, const std::optional<std::uint64_t>& v) {
    j.key(name);
    if (v) {
        j.value(*v);
    } else {
        j.null();
    }
}

// A live Windows host's own evidence: Tcpip events, non-paged pool, handles.
void windows_host(JsonWriter& j, const core::WindowsFacts& w) {
    j.begin_object();
    j.key("version").value(w.version);
    j.key("event_hours").value(static_cast<std::uint64_t>(w.event_hours));
    j.key("tcpip_events");
    if (w.tcpip_events) {
        j.begin_array();
        for (const auto& e : *w.tcpip_events) {
            j.begin_object();
            j.key("id").value(static_cast<std::uint64_t>(e.id));
            j.key("time").value(static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(e.at.time_since_epoch()).count()));
            j.end_object();
        }
        j.end_array();
    } else {
        j.null();
    }
    j.key("events_error").value(w.events_error);
    optional(j, "nonpaged_pool_bytes", w.nonpaged_pool_bytes);
    optional(j, "physical_memory_bytes", w.physical_memory_bytes);
    optional(j, "handle_count", w.handle_count);
    j.key("top_handles").begin_array();
    for (const auto& h : w.top_handles) {
        j.begin_object();
        j.key("pid").value(static_cast<std::int64_t>(h.pid));
        j.key("name").value(h.name);
        j.key("handles").value(static_cast<std::uint64_t>(h.handles));
        j.end_object();
    }
    j.end_array();
    j.end_object();
}

// Host facts and counters as read (null: not readable there).
void host(JsonWriter& j, const core::HostFacts& f) {
    j.begin_object();
    j.key("kernel").value(f.kernel_release);
    j.key("ip_autobind_reuse");
    if (f.ip_autobind_reuse) {
        j.value(*f.ip_autobind_reuse);
    } else {
        j.null();
    }
    optional(j, "tcp_max_tw_buckets", f.tcp_max_tw_buckets);
    optional(j, "tcp_max_orphans", f.tcp_max_orphans);
    j.key("tcp_mem");
    if (f.tcp_mem) {
        j.begin_array()
            .value((*f.tcp_mem)[0])
            .value((*f.tcp_mem)[1])
            .value((*f.tcp_mem)[2])
            .end_array();
    } else {
        j.null();
    }
    j.key("sockstat").begin_object();
    optional(j, "tcp_inuse", f.tcp_inuse);
    optional(j, "tcp6_inuse", f.tcp6_inuse);
    optional(j, "udp_inuse", f.udp_inuse);
    optional(j, "udp6_inuse", f.udp6_inuse);
    optional(j, "tcp_orphan", f.tcp_orphan);
    optional(j, "tcp_tw", f.tcp_tw);
    optional(j, "tcp_mem_pages", f.tcp_mem_pages);
    j.end_object();
    j.key("tcp_ext").begin_object();
    optional(j, "TCPTimeWaitOverflow", f.tw_overflow);
    optional(j, "TWRecycled", f.tw_recycled);
    optional(j, "TWKilled", f.tw_killed);
    optional(j, "TCPAbortOnMemory", f.abort_on_memory);
    optional(j, "TCPMemoryPressures", f.memory_pressures);
    j.end_object();
    optional(j, "conntrack_count", f.conntrack_count);
    optional(j, "conntrack_max", f.conntrack_max);
    optional(j, "files_allocated", f.files_allocated);
    optional(j, "file_max", f.file_max);
    j.key("windows");
    if (f.windows) {
        windows_host(j, *f.windows);
    } else {
        j.null();
    }
    j.end_object();
}

void report(JsonWriter& j, const Report& r, const ReportOptions& o) {
    j.begin_object();
    j.key("verdict").value(r.unknown ? "UNKNOWN" : analyze::severity_name(r.verdict));
    j.key("summary").value(r.summary);
    j.key("hostname").value(r.hostname);
    j.key("netns").value(r.netns);
    j.key("netns_name").value(r.netns_name);
    j.key("taken_at").value(iso_time(r.taken_at));
    j.key("source").begin_object();
    j.key("sockets").value(r.source.sockets);
    j.key("owners").value(r.source.owners);
    j.key("detail").value(r.source.detail);
    j.end_object();
    j.key("platform").value(r.platform == core::Platform::Windows ? "windows" : "linux");
    j.key("range").begin_object();
    j.key("low").value(r.range.low);
    j.key("high").value(r.range.high);
    j.key("origin").value(r.range_origin);
    j.key("source").value(core::range_source_name(r.range_source));
    j.key("inferred");
    if (r.range_inference) {
        const auto& i = *r.range_inference;
        j.begin_object();
        j.key("assumed_low").value(i.assumed.low);
        j.key("assumed_high").value(i.assumed.high);
        j.key("ports_seen").value(i.ports_seen);
        j.key("outside").value(i.outside);
        j.key("seen_low").value(i.seen.low);
        j.key("seen_high").value(i.seen.high);
        j.key("low").value(i.inferred.low);
        j.key("high").value(i.inferred.high);
        j.key("known").value(i.known_name);
        j.end_object();
    } else {
        j.null();
    }
    j.key("usable").value(r.range_size);
    j.key("reserved").value(r.reserved);
    j.key("bind_owned").value(r.bind_owned);
    j.key("listeners_in_range").value(r.listeners_in_range);
    j.end_object();
    // Linux sysctls mean nothing on a Windows capture: null there.
    bool win = r.platform == core::Platform::Windows;
    j.key("tcp_tw_reuse");
    if (win) {
        j.null();
    } else {
        j.value(static_cast<std::uint32_t>(r.tcp_tw_reuse));
    }
    j.key("tcp_tw_reuse_assumed").value(!win && r.tw_reuse_assumed);
    j.key("windows_generation");
    if (win) {
        j.value(windows_generation_name(r.windows));
    } else {
        j.null();
    }
    j.key("time_wait").begin_object();
    j.key("seconds").value(r.time_wait_seconds);
    j.key("origin").value(r.time_wait_origin);
    j.end_object();
    j.key("breaks");
    breakage(j, r.breaks);

    j.key("findings").begin_array();
    std::size_t pools_shown = std::min(r.pools.size(), std::max(o.max_pools, kMinJsonPools));
    for (const auto& f : r.findings) {
        if (f.pool)
            pools_shown = std::max(pools_shown, *f.pool + 1);
        j.newline().begin_object();
        j.key("severity").value(analyze::severity_name(f.severity));
        j.key("mechanism").value(analyze::mechanism_name(f.mechanism));
        j.key("pool");
        if (f.pool) {
            j.value(static_cast<std::uint64_t>(*f.pool));
        } else {
            j.null();
        }
        j.key("title").value(f.title);
        j.key("culprits");
        culprits(j, f.culprits);
        j.key("servers");
        culprits(j, f.servers);
        j.key("clients");
        culprits(j, f.clients);
        j.key("evidence").begin_array();
        for (const auto& e : f.evidence)
            j.value(e);
        j.end_array();
        j.key("remedy").value(f.remedy);
        j.key("cause").value(f.cause);
        j.key("causes").value(f.causes);
        j.key("destinations");
        destinations(j, f.destinations);
        j.key("breaks");
        breakage(j, f.breaks);
        j.end_object();
    }
    j.end_array();

    j.key("pools_total").value(static_cast<std::uint64_t>(r.pools.size()));
    j.key("pools").begin_array();
    for (std::size_t i = 0; i < pools_shown; ++i) {
        j.newline();
        pool(j, r.pools[i]);
    }
    j.end_array();

    j.key("limits").begin_array();
    for (const auto& l : r.limits) {
        j.begin_object();
        j.key("kind").value(analyze::limit_kind_name(l.kind));
        j.key("pid").value(l.pid);
        j.key("name").value(l.name);
        j.key("used").value(l.used);
        j.key("limit").value(l.limit);
        j.key("utilisation").value(l.utilisation);
        j.key("severity").value(analyze::severity_name(l.severity));
        j.key("sockets").value(l.sockets);
        j.end_object();
    }
    j.end_array();

    j.key("host");
    if (r.host) {
        host(j, *r.host);
    } else {
        j.null();
    }
    const auto& c = r.checked;
    j.key("checked").begin_object();
    j.key("sockets").value(c.sockets);
    j.key("tcp").value(c.tcp);
    j.key("udp").value(c.udp);
    j.key("processes").value(c.processes);
    j.key("connect_pools").value(c.connect_pools);
    j.key("local_pools").value(c.local_pools);
    j.key("udp_pools").value(c.udp_pools);
    j.key("limits").value(c.limits);
    j.key("time_wait_inferred").value(c.time_wait_inferred);
    j.key("time_wait_unowned").value(c.time_wait_unowned);
    j.key("host_facts").value(c.host_facts);
    j.end_object();
    j.key("warnings").begin_array();
    for (const auto& w : r.warnings)
        j.value(w.message);
    j.end_array();
    j.end_object();
}

}  // namespace

void write_report_json(JsonWriter& j, const Report& r, const ReportOptions& o) {
    report(j, r, o);
}

void render_reports_json(std::ostream& out, std::span<const Report> reports,
                         const ReportOptions& o) {
    JsonWriter j(out);
    auto v = analyze::overall_verdict(reports);
    j.begin_object();
    j.key("schema").value("portwatch.diagnose/1");
    j.key("verdict").value(v.unknown ? "UNKNOWN" : analyze::severity_name(v.severity));
    j.key("reports").begin_array();
    for (const auto& r : reports) {
        j.newline();
        report(j, r, o);
    }
    j.end_array();
    j.end_object();
    j.newline();
    j.flush();
}

}  // namespace portwatch::render
