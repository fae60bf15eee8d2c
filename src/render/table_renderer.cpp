#include "render/table_renderer.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

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

// Each process's name made terminal-safe once, by its index in snapshot.processes: 100k
// sockets mostly share a handful of owners.
std::vector<std::string> safe_process_names(const core::Snapshot& snapshot) {
    std::vector<std::string> names;
    names.reserve(snapshot.processes.size());
    for (const auto& p : snapshot.processes) {
        // A ',' inside a name is \x2c: "a,b" is never read as the two processes a and b.
        names.push_back(p.name.empty() ? "?" : escape_separator(terminal_safe(p.name), ','));
    }
    return names;
}

std::string process_names(const core::Socket& s, const core::Snapshot& snapshot,
                          const std::vector<std::string>& safe_names) {
    static const std::string kUnknown = "?";
    std::string out;
    const std::string* last = nullptr;
    for (auto pid : s.owners) {
        const core::Process* p = snapshot.find_process(pid);
        const std::string& name =
            p != nullptr ? safe_names[static_cast<std::size_t>(p - snapshot.processes.data())]
                         : kUnknown;
        if (last != nullptr && name == *last) {
            continue;
        }
        if (!out.empty()) {
            out += ',';
        }
        out += name;
        last = &name;
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

// The process column is last and never padded: the width pass leaves it out.
Row make_row(const core::Socket& s, const core::Snapshot& snapshot,
             const std::vector<std::string>* safe_names) {
    return {std::string(proto_label(s)),
            terminal_safe(endpoint_text(s.local, false)),  // a capture's host names are text
            terminal_safe(endpoint_text(s.remote, true)),
            std::string(core::state_name(s.protocol, s.state)),
            join_pids(s),
            safe_names != nullptr ? process_names(s, snapshot, *safe_names) : std::string()};
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
    // Two passes over the rows (widths, then text) keep memory at one row. Formatting every
    // row once into one text was slower here: at 100k rows its 15 MB of fresh pages took
    // longer to fault in than the second pass takes to format again.
    for (const auto* s : sockets) {
        Row row = make_row(*s, snapshot, nullptr);
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
    const auto safe_names = safe_process_names(snapshot);
    for (const auto* s : sockets) {
        emit(make_row(*s, snapshot, &safe_names));
    }
}

}  // namespace portwatch::render
