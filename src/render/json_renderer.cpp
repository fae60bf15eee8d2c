#include "render/json_renderer.h"

#include <algorithm>

namespace portwatch::render {

namespace {

void write_endpoint(JsonWriter& json, const core::Endpoint& e) {
    json.begin_object();
    if (e.cut) {
        json.key("address").value(e.address_text());  // the printed prefix, then "..."
    } else {
        json.key("address").value(e.name.empty() ? e.address.to_string() : std::string());
    }
    json.key("port").value(e.port);
    if (!e.name.empty()) {
        json.key("name").value(e.name);
    }
    if (!e.zone.empty()) {
        json.key("zone").value(e.zone);
    }
    if (e.cut) {
        json.key("cut").value(true);
    }
    json.end_object();
}

}  // namespace

void write_socket(JsonWriter& json, const core::Socket& s) {
    json.begin_object();
    json.key("proto").value(core::protocol_name(s.protocol));
    json.key("family").value(s.family() == core::Family::Ipv4 ? "ipv4" : "ipv6");
    json.key("state").value(core::state_name(s.protocol, s.state));
    json.key("local");
    write_endpoint(json, s.local);
    json.key("remote");
    write_endpoint(json, s.remote);
    json.key("pids").begin_array();
    for (auto pid : s.owners) {
        json.value(pid);
    }
    json.end_array();
    json.key("attribution").value(core::attribution_name(s.attribution));
    json.key("uid");
    if (s.uid) {
        json.value(*s.uid);
    } else {
        json.null();
    }
    json.key("inode").value(s.inode);
    json.key("cookie").value(s.cookie);
    json.key("timer").value(core::timer_name(s.timer));
    json.key("expires_ms").value(s.expires_ms);
    json.key("rqueue").value(s.rqueue);
    json.key("wqueue").value(s.wqueue);
    json.key("binding").value(core::binding_name(s.binding));
    json.key("interface").value(s.interface);
    json.end_object();
}

void write_process(JsonWriter& json, const core::Process& p) {
    json.begin_object();
    json.key("pid").value(p.pid);
    json.key("ppid").value(p.ppid);
    json.key("name").value(p.name);
    json.key("cmdline").value(p.cmdline);
    json.key("exe").value(p.exe);
    json.key("uid");
    if (p.uid) {
        json.value(*p.uid);
    } else {
        json.null();
    }
    json.key("user").value(p.user);
    json.key("start_time");
    if (p.start_time > 0) {
        json.value(iso_time(std::chrono::system_clock::from_time_t(p.start_time)));
    } else {
        json.null();
    }
    json.key("cgroup").value(p.cgroup);
    json.key("fd_count");
    if (p.fd_count) {
        json.value(*p.fd_count);
    } else {
        json.null();
    }
    json.key("fd_limit");
    if (p.fd_limit) {
        json.value(*p.fd_limit);
    } else {
        json.null();
    }
    if (!p.services.empty()) {
        json.key("services").begin_array();
        for (const auto& s : p.services) {
            json.value(s);
        }
        json.end_array();
    }
    json.end_object();
}

void write_snapshot_header(JsonWriter& json, const core::Snapshot& snapshot) {
    json.key("taken_at").value(iso_time(snapshot.taken_at));
    json.key("hostname").value(snapshot.hostname);
    json.key("netns").begin_object();
    json.key("inode").value(snapshot.netns);
    json.key("name").value(snapshot.netns_name);
    json.end_object();
    json.key("source").begin_object();
    json.key("sockets").value(snapshot.source.sockets);
    json.key("owners").value(snapshot.source.owners);
    if (!snapshot.source.detail.empty()) {
        json.key("detail").value(snapshot.source.detail);
    }
    json.end_object();
    json.key("ephemeral_range");
    if (snapshot.config.ephemeral) {
        json.begin_object();
        json.key("low").value(snapshot.config.ephemeral->low);
        json.key("high").value(snapshot.config.ephemeral->high);
        json.key("origin").value(snapshot.config.range_origin);
        json.key("source").value(core::range_source_name(snapshot.config.range_source));
        json.end_object();
    } else {
        json.null();
    }
    json.key("warnings").begin_array();
    for (const auto& w : snapshot.warnings) {
        json.value(w.message);
    }
    json.end_array();
}

void JsonSnapshotRenderer::render(std::ostream& out, const core::Snapshot& snapshot,
                                  std::span<const core::Socket* const> sockets) const {
    JsonWriter json(out);
    json.begin_object();
    json.key("schema").value("portwatch.snapshot/1");
    write_snapshot_header(json, snapshot);
    json.key("sockets").begin_array();
    std::vector<std::int32_t> pids;
    for (const auto* s : sockets) {
        json.newline();
        write_socket(json, *s);
        pids.insert(pids.end(), s->owners.begin(), s->owners.end());
    }
    json.end_array();
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    json.key("processes").begin_array();
    for (auto pid : pids) {
        if (const core::Process* p = snapshot.find_process(pid)) {
            json.newline();
            write_process(json, *p);
        }
    }
    json.end_array();
    json.end_object();
    json.newline();
}

}  // namespace portwatch::render
