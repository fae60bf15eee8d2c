#include "render/csv_renderer.h"

#include "render/utf8.h"

namespace portwatch::render {

std::string csv_field(std::string_view text) {
    std::string safe = terminal_safe(text);
    bool quote = safe.find_first_of(",\"") != std::string::npos ||
                 (!safe.empty() && (safe.front() == ' ' || safe.back() == ' '));
    if (!quote) {
        return safe;
    }
    std::string out = "\"";
    for (char c : safe) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

void CsvSnapshotRenderer::render(std::ostream& out, const core::Snapshot& snapshot,
                                 std::span<const core::Socket* const> sockets) const {
    out << "proto,local_address,local_port,remote_address,remote_port,state,pids,processes,"
           "attribution,uid,inode,cookie,timer,expires_ms,rqueue,wqueue,binding\n";
    std::string line;
    for (const auto* s : sockets) {
        std::string pids, names;
        for (auto pid : s->owners) {
            const core::Process* p = snapshot.find_process(pid);
            if (!pids.empty()) {
                pids += ';';
                names += ';';
            }
            pids += std::to_string(pid);
            names += p ? p->name : "";
        }
        line.clear();
        line += proto_label(*s);
        line += ',';
        line += csv_field(s->local.address_text());
        line += ',' + std::to_string(s->local.port) + ',';
        line += csv_field(s->remote.address_text());
        line += ',' + std::to_string(s->remote.port) + ',';
        line += core::state_name(s->protocol, s->state);
        line += ',' + pids + ',' + csv_field(names) + ',';
        line += core::attribution_name(s->attribution);
        line += ',' + (s->uid ? std::to_string(*s->uid) : std::string());
        line += ',' + std::to_string(s->inode) + ',' + std::to_string(s->cookie) + ',';
        line += core::timer_name(s->timer);
        line += ',' + std::to_string(s->expires_ms) + ',' + std::to_string(s->rqueue) + ',' +
                std::to_string(s->wqueue) + ',';
        line += core::binding_name(s->binding);
        line += '\n';
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
    }
}

}  // namespace portwatch::render
