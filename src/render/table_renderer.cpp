#include "render/table_renderer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
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
// strings a row cost ~5 ms at 100k rows).
void fill_row(Row& row, const core::Socket& s, const core::Snapshot& snapshot,
              const std::vector<std::string>& safe_names) {
    for (auto& cell : row) {
        cell.clear();
    }
    row[0] += proto_label(s);
    append_endpoint(row[1], s.local, false);
    append_endpoint(row[2], s.remote, true);
    row[3] += core::state_name(s.protocol, s.state);
    join_pids(row[4], s);
    process_names(row[5], s, snapshot, safe_names);
}

using Widths = std::array<std::size_t, kColumns>;

std::size_t decimal_digits(std::uint32_t v) {
    std::size_t n = 1;
    for (; v >= 10; v /= 10) {
        ++n;
    }
    return n;
}

// The width append_endpoint() gives `e`, counted without formatting for a plain IPv4 endpoint
// (every live IPv4 one); others are formatted into `scratch` and measured.
std::size_t endpoint_width(const core::Endpoint& e, bool remote, std::string& scratch) {
    if (e.address.is_v4() && e.name.empty() && !e.cut && e.zone.empty()) {
        const auto& b = e.address.bytes();
        std::size_t width = 3 + 1;  // the dots and the colon
        for (int i = 0; i < 4; ++i) {
            width += decimal_digits(b[i]);
        }
        const bool star = remote && e.port == 0 && e.address.is_unspecified();
        return width + (star ? 1 : decimal_digits(e.port));
    }
    scratch.clear();
    append_endpoint(scratch, e, remote);
    return display_width(scratch);
}

// The width join_pids() gives `s`.
std::size_t pids_width(const core::Socket& s) {
    if (s.owners.empty()) {
        return 1;  // "-"
    }
    std::size_t width = s.owners.size() - 1;  // the commas
    for (auto pid : s.owners) {
        width += core::pid_is_local(pid) ? 1 : decimal_digits(static_cast<std::uint32_t>(pid));
    }
    return width;
}

// The widths of the padded columns over `rows` (the process column is never padded), counted
// rather than formatted where the text is plain digits and dots: the text pass formats every
// row anyway, and a width pass that formatted too cost as much again.
Widths column_widths(std::span<const core::Socket* const> rows, const Widths& start) {
    Widths width = start;
    std::string scratch;
    for (const auto* s : rows) {
        width[0] = std::max(width[0], proto_label(*s).size());
        width[1] = std::max(width[1], endpoint_width(s->local, false, scratch));
        width[2] = std::max(width[2], endpoint_width(s->remote, true, scratch));
        width[3] = std::max(width[3], core::state_name(s->protocol, s->state).size());
        width[4] = std::max(width[4], pids_width(*s));
    }
    return width;
}

void append_row(std::string& text, const Row& r, const Widths& width) {
    for (std::size_t c = 0; c < kColumns; ++c) {
        text += r[c];
        if (c + 1 < kColumns) {
            text.append(width[c] - display_width(r[c]) + 2, ' ');
        }
    }
    text += '\n';
}

// Appends `rows` to `text`.
void format_rows(std::span<const core::Socket* const> rows, const core::Snapshot& snapshot,
                 const std::vector<std::string>& safe_names, const Widths& width,
                 std::string& text) {
    Row row;
    for (const auto* s : rows) {
        fill_row(row, *s, snapshot, safe_names);
        append_row(text, row, width);
    }
}

}  // namespace

// Two passes over the rows (widths, then text) keep memory at a block of rows: formatting
// every row once into one text was slower here, as its 15 MB of fresh pages at 100k rows took
// longer to fault in than the width pass takes. The text pass stays on one thread: on two
// (blocks taken in turn, or the second half held in memory) it ran no faster on these
// virtual machines.
void TableSnapshotRenderer::render(std::ostream& out, const core::Snapshot& snapshot,
                                   std::span<const core::Socket* const> sockets) const {
    static const Row kHeader = {"Proto", "Local Address", "Foreign Address",
                                "State", "PID",           "Process"};
    Widths width{};
    for (std::size_t c = 0; c < kColumns; ++c) {
        width[c] = kHeader[c].size();
    }
    width = column_widths(sockets, width);
    const auto safe_names = safe_process_names(snapshot);
    constexpr std::size_t kBlockRows = 512;  // ~50 KB of text: one write
    std::string text;
    text.reserve(kBlockRows * 128);
    append_row(text, kHeader, width);
    for (std::size_t at = 0; at < sockets.size(); at += kBlockRows) {
        format_rows(sockets.subspan(at, std::min(kBlockRows, sockets.size() - at)), snapshot,
                    safe_names, width, text);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        text.clear();
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace portwatch::render
