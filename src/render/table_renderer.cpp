#include "render/table_renderer.h"

#include <algorithm>
#include <array>

#include "render/utf8.h"

namespace portwatch::render {

namespace {

constexpr std::size_t kColumns = 6;
using Row = std::array<std::string, kColumns>;

std::string join_pids(const core::Socket& s) {
    std::string out;
    for (auto pid : s.owners) {
        if (!out.empty()) {
            out += ',';
        }
        out += core::pid_is_local(pid) ? std::string("?") : std::to_string(pid);
    }
    return out.empty() ? "-" : out;
}

std::string process_names(const core::Socket& s, const core::Snapshot& snapshot) {
    std::string out;
    std::string last;
    for (auto pid : s.owners) {
        const core::Process* p = snapshot.find_process(pid);
        std::string name = p && !p->name.empty() ? p->name : "?";
        if (name == last) {
            continue;
        }
        if (!out.empty()) {
            out += ',';
        }
        // A ',' inside a name is \x2c: "a,b" is never read as the two processes a and b.
        out += escape_separator(terminal_safe(name), ',');
        last = std::move(name);
    }
    if (out.empty()) {
        return "-";
    }
    if (s.attribution == core::Attribution::InferredEndpoint ||
        s.attribution == core::Attribution::InferredHistory) {
        out += " (inferred)";
    } else if (s.attribution == core::Attribution::Recorded) {
        out += " (exact)";
    }
    return out;
}

Row make_row(const core::Socket& s, const core::Snapshot& snapshot) {
    return {std::string(proto_label(s)),
            terminal_safe(endpoint_text(s.local, false)),  // a capture's host names are text
            terminal_safe(endpoint_text(s.remote, true)),
            std::string(core::state_name(s.protocol, s.state)),
            join_pids(s),
            process_names(s, snapshot)};
}

}  // namespace

void TableSnapshotRenderer::render(std::ostream& out, const core::Snapshot& snapshot,
                                   std::span<const core::Socket* const> sockets) const {
    static const Row kHeader = {"Proto", "Local Address", "Foreign Address",
                                "State", "PID",           "Process"};
    std::array<std::size_t, kColumns> width{};
    for (std::size_t c = 0; c < kColumns; ++c) {
        width[c] = kHeader[c].size();
    }
    // Two passes over the rows (widths, then text) keep memory at one row.
    for (const auto* s : sockets) {
        Row row = make_row(*s, snapshot);
        for (std::size_t c = 0; c + 1 < kColumns; ++c) {
            width[c] = std::max(width[c], display_width(row[c]));
        }
    }
    std::string line;
    auto emit = [&](const Row& row) {
        line.clear();
        for (std::size_t c = 0; c < kColumns; ++c) {
            line += row[c];
            if (c + 1 < kColumns) {
                line.append(width[c] - display_width(row[c]) + 2, ' ');
            }
        }
        line += '\n';
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
    };
    emit(kHeader);
    for (const auto* s : sockets) {
        emit(make_row(*s, snapshot));
    }
}

}  // namespace portwatch::render
