#include "render/table_renderer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "render/utf8.h"

namespace portwatch::render {

namespace {

constexpr std::size_t kColumns = 6;
using Row = std::array<std::string, kColumns>;

void join_pids(std::string& out, const core::Socket& s) {
    for (auto pid : s.owners) {
        if (!out.empty()) {
            out += ',';
        }
        if (core::pid_is_local(pid)) {
            out += '?';
        } else {
            char digits[12];
            auto [end, ec] = std::to_chars(digits, digits + sizeof digits, pid);
            out.append(digits, end);
        }
    }
    if (out.empty()) {
        out += '-';
    }
}

// endpoint_text(), terminal-safe. A numeric endpoint (every live one) is digits, hex, dots,
// colons and brackets: appended as it is, without terminal_safe()'s copy.
void append_endpoint(std::string& out, const core::Endpoint& e, bool remote) {
    if (!e.name.empty() || e.cut || !e.zone.empty()) {
        out += terminal_safe(endpoint_text(e, remote));  // a capture's host names are text
    } else {
        append_endpoint_text(out, e, remote);
    }
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

void process_names(std::string& out, const core::Socket& s, const core::Snapshot& snapshot,
                   const std::vector<std::string>& safe_names) {
    static const std::string kUnknown = "?";
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
        out += '-';
        return;
    }
    if (s.attribution == core::Attribution::InferredEndpoint ||
        s.attribution == core::Attribution::InferredHistory) {
        out += " (inferred)";
    } else if (s.attribution == core::Attribution::Recorded) {
        out += " (exact)";
    }
}

// The process column is last and never padded: the width pass leaves it out. The row's
// strings are refilled in place, so after the first rows a row allocates nothing (six fresh
// strings a row, twice, cost ~10 ms of the 100k-socket snapshot's ~160).
void fill_row(Row& row, const core::Socket& s, const core::Snapshot& snapshot,
              const std::vector<std::string>* safe_names) {
    for (auto& cell : row) {
        cell.clear();
    }
    row[0] += proto_label(s);
    append_endpoint(row[1], s.local, false);
    append_endpoint(row[2], s.remote, true);
    row[3] += core::state_name(s.protocol, s.state);
    join_pids(row[4], s);
    if (safe_names != nullptr) {
        process_names(row[5], s, snapshot, *safe_names);
    }
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
    Row row;
    for (const auto* s : sockets) {
        fill_row(row, *s, snapshot, nullptr);
        for (std::size_t c = 0; c + 1 < kColumns; ++c) {
            width[c] = std::max(width[c], display_width(row[c]));
        }
    }
    // Rows gathered into one buffer written every 64 KiB, not a stream write per row.
    std::string text;
    constexpr std::size_t kFlushAt = 64 * 1024;
    text.reserve(kFlushAt + 4096);
    auto emit = [&](const Row& r) {
        for (std::size_t c = 0; c < kColumns; ++c) {
            text += r[c];
            if (c + 1 < kColumns) {
                text.append(width[c] - display_width(r[c]) + 2, ' ');
            }
        }
        text += '\n';
        if (text.size() >= kFlushAt) {
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            text.clear();
        }
    };
    emit(kHeader);
    const auto safe_names = safe_process_names(snapshot);
    for (const auto* s : sockets) {
        fill_row(row, *s, snapshot, &safe_names);
        emit(row);
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace portwatch::render
