#include "render/csv_renderer.h"

#include "render/utf8.h"

namespace portwatch::render {

std::string csv_cell(std::string_view safe) {
    // A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a
    // formula: OWASP's CSV-injection advice is a leading single quote, which it shows as text.
    // terminal_safe already wrote a tab or CR as \t or \r; they are listed for text that
    // reaches here some other way.
    bool formula =
        !safe.empty() && std::string_view("=+-@\t\r").find(safe.front()) != std::string_view::npos;
    bool quote = formula || safe.find_first_of(",\"") != std::string_view::npos ||
                 (!safe.empty() && (safe.front() == ' ' || safe.back() == ' '));
    if (!quote) {
        return std::string(safe);
    }
    std::string out = formula ? "\"'" : "\"";
    for (char c : safe) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string csv_field(std::string_view text) {
    return csv_cell(terminal_safe(text));
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
            // A ';' inside a name is \x3b: the list's separator only ever separates.
            names += p ? escape_separator(terminal_safe(p->name), ';') : "";
        }
        line.clear();
        line += proto_label(*s);
        line += ',';
        line += csv_field(s->local.address_text());
        line += ',' + std::to_string(s->local.port) + ',';
        line += csv_field(s->remote.address_text());
        line += ',' + std::to_string(s->remote.port) + ',';
        line += core::state_name(s->protocol, s->state);
        line += ',' + pids + ',' + csv_cell(names) + ',';
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
