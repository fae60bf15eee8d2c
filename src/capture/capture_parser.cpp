#include "capture/capture_parser.h"

#include <algorithm>

#include "capture/nettools_netstat.h"
#include "capture/ss_output.h"
#include "capture/tcpvcon_csv.h"
#include "capture/tokens.h"
#include "capture/windows_netstat.h"
#include "formats/procfs/proc_net.h"

namespace portwatch::capture {

namespace {

constexpr std::size_t kMaxServicesPerProcess = 32;
constexpr std::size_t kExampleBytes = 120;

// netstat's "Active Connections" title in the languages portwatch reads.
constexpr std::array<std::string_view, 7> kWindowsTitles = {
    "Active Connections", "Aktive Verbindungen", "Connexions actives", "Conexiones activas",
    "Connessioni attive", "Conexões ativas",     "Connessioni attive:"};

// `text` cut to kMaxNameBytes, on a UTF-8 character boundary.
std::string capped(std::string_view text) {
    if (text.size() <= kMaxNameBytes) {
        return std::string(text);
    }
    std::size_t n = kMaxNameBytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
        --n;
    }
    return std::string(text.substr(0, n));
}

constexpr std::size_t kMaxPending = 2;  // a title and a column header
constexpr std::size_t kMaxHeaderBytes = 200;
constexpr std::size_t kMaxHeaderWords = 12;

std::string example(std::string_view line, std::uint64_t number) {
    std::string text(line.substr(0, kExampleBytes));
    if (line.size() > kExampleBytes) {
        text += "...";
    }
    return "line " + std::to_string(number) + ": '" + text + "'";
}

std::size_t indentation(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && is_space(text[i])) {
        ++i;
    }
    return i;
}

// A line of words that cannot be data: every socket row holds port numbers, so a line with an
// ASCII digit is never taken for a title or header. Words in any script or code page pass
// (mojibake of a CP866 or Shift-JIS header read in CP850 too).
bool text_shaped(std::string_view text) {
    std::string_view t = trim(text);
    if (t.empty() || t.size() > kMaxHeaderBytes || t.front() == '#') {
        return false;
    }
    for (char c : t) {
        if (c >= '0' && c <= '9') {
            return false;
        }
    }
    return split_fields<kMaxHeaderWords>(t).total <= kMaxHeaderWords;
}

}  // namespace

CaptureParser::CaptureParser(std::string name, const CaptureOptions& options, SnapshotSink sink)
    : name_(std::move(name)), options_(options), sink_(std::move(sink)) {
    capture_.name = name_;
}

core::Process* CaptureParser::find_process(std::int32_t pid) {
    auto it = process_slot_.find(pid);
    return it == process_slot_.end() ? nullptr : &processes_[it->second];
}

std::pair<core::Process*, bool> CaptureParser::process_for(std::int32_t pid) {
    auto [it, inserted] =
        process_slot_.try_emplace(pid, static_cast<std::uint32_t>(processes_.size()));
    if (inserted) {
        processes_.emplace_back().pid = pid;
    }
    return {&processes_[it->second], inserted};
}

void CaptureParser::start_snapshot(std::uint64_t line_no) {
    current_ = CaptureSnapshot{};
    current_.first_line = line_no;
    current_.taken_at = pending_time_;
    pending_time_.reset();
    sockets_.clear();
    processes_.clear();
    process_slot_.clear();
    nettools_wide_ = false;
    current_open_ = true;
}

Result<void> CaptureParser::end_snapshot() {
    if (!current_open_) {
        return {};
    }
    current_open_ = false;
    auto& snap = current_.snapshot;
    snap.sockets = sockets_.take();
    auto& w = snap.warnings;
    if (nettools_wide_ && tally_.cut > 0) {
        // -W output cuts nothing: an address that merely filled 23 characters is whole.
        tally_.cut = 0;
        for (auto& socket : snap.sockets) {
            bool still_cut = false;
            for (auto* e : {&socket.local, &socket.remote}) {
                if (e->cut && !e->address.is_unspecified()) {
                    e->cut = false;
                    e->name.clear();
                }
                still_cut = still_cut || e->cut;
            }
            tally_.cut += still_cut;
        }
    }
    auto warn = [&](std::string text) { w.push_back(core::Warning{std::move(text)}); };

    // Windows numbers its kernel "System" process 4 (SMB, http.sys, orphaned ports); netstat
    // -b says "Can not obtain ownership information" for it rather than its name.
    if (current_.formats &
        ~((1u << static_cast<int>(Format::NetTools)) | (1u << static_cast<int>(Format::Ss)) |
          (1u << static_cast<int>(Format::ProcNet)))) {
        if (auto* p = find_process(4); p && p->name.empty()) {
            p->name = "System";
        }
    }
    snap.processes = processes_.take();
    process_slot_ = {};
    std::sort(snap.processes.begin(), snap.processes.end(),
              [](const core::Process& a, const core::Process& b) { return a.pid < b.pid; });

    std::string formats;
    bool windows = false;
    for (std::size_t i = 0; i < kFormatCount; ++i) {
        if (current_.formats & (1u << i)) {
            if (!formats.empty()) {
                formats += " + ";
            }
            formats += format_name(static_cast<Format>(i));
            windows = windows || format_platform(static_cast<Format>(i)) == core::Platform::Windows;
        }
    }
    snap.source.sockets = formats.empty() ? "capture" : formats;
    snap.source.owners = snap.processes.empty() ? "none" : "capture";
    snap.source.detail = name_;
    snap.config.platform = windows ? core::Platform::Windows : core::Platform::Linux;
    if (windows && (current_.formats & ~((1u << static_cast<int>(Format::WindowsNetstat)) |
                                         (1u << static_cast<int>(Format::PowerShellCsv)) |
                                         (1u << static_cast<int>(Format::PowerShellTable)) |
                                         (1u << static_cast<int>(Format::Tcpvcon))))) {
        warn("this capture mixes Windows and Linux formats; it is read as Windows");
    }

    append_tally_warnings(
        tally_, (current_.formats & (1u << static_cast<int>(Format::WindowsNetstat))) != 0,
        current_.has_bound_rows, w);
    tally_ = CaptureTally{};
    current_.after_component_chains = capture_.xp_component_chains;
    Result<void> handed = {};
    if (sink_) {
        handed = sink_(std::move(current_));
    } else {
        capture_.snapshots.push_back(std::move(current_));
    }
    current_ = CaptureSnapshot{};
    return handed;
}

void CaptureParser::unrecognised(const Line& line, std::string_view why) {
    unrecognised(line.text, line.number, why);
}

void CaptureParser::unrecognised(std::string_view text, std::uint64_t number,
                                 std::string_view why) {
    ++capture_.stats.unrecognised;
    if (tally_.unrecognised++ == 0) {
        tally_.first_unrecognised = example(text, number);
        if (!why.empty()) {
            tally_.first_unrecognised += " ";
            tally_.first_unrecognised += why;
        }
    }
}

RowResult CaptureParser::try_row(std::string_view text, Row& row, Format& format) {
    auto attempt = [&](Format f) -> RowResult {
        switch (f) {
            case Format::WindowsNetstat:
                return parse_windows_netstat_row(text, row);
            case Format::NetTools:
                return parse_nettools_row(text, row);
            case Format::Ss:
                return parse_ss_row(text, section_ == Section::SsNoNetid && ss_udp_table_, row);
            case Format::ProcNet: {
                std::string_view t = trim(text);
                auto colon = t.find(':');
                if (colon == std::string_view::npos || colon == 0 ||
                    !all_digits(t.substr(0, colon))) {
                    return RowResult::Mismatch;
                }
                auto protocol = proc_protocol_;
                if (!protocol) {  // no header: udp rows have 13 fields, tcp rows 12 or 17
                    protocol =
                        split_fields<20>(t).total == 13 ? core::Protocol::Udp : core::Protocol::Tcp;
                }
                auto socket = formats::parse_proc_net_line(t, *protocol);
                if (!socket) {
                    return RowResult::Mismatch;
                }
                row = Row{};
                row.socket = std::move(*socket);
                return RowResult::Socket;
            }
            case Format::PowerShellCsv:
                return ps_csv_ ? parse_powershell_csv_row(text, *ps_csv_, row)
                               : RowResult::Mismatch;
            case Format::PowerShellTable:
                return ps_table_udp_ ? parse_powershell_table_row(text, *ps_table_udp_, row)
                                     : RowResult::Mismatch;
            case Format::Tcpvcon:
                return text.find(',') != std::string_view::npos ? parse_tcpvcon_row(text, row)
                                                                : RowResult::Mismatch;
        }
        return RowResult::Mismatch;
    };
    auto handle = [&](Format f, RowResult r) {
        if (r == RowResult::Mismatch) {
            return false;
        }
        format = f;
        last_format_ = f;
        if (r == RowResult::Skipped) {
            ++tally_.skipped;
            ++capture_.stats.skipped_sockets;
        }
        return true;
    };
    if (last_format_) {
        if (auto r = attempt(*last_format_); handle(*last_format_, r)) {
            return r;
        }
    }
    for (std::size_t i = 0; i < kFormatCount; ++i) {
        auto f = static_cast<Format>(i);
        if (last_format_ && f == *last_format_) {
            continue;
        }
        if (auto r = attempt(f); handle(f, r)) {
            return r;
        }
    }
    return RowResult::Mismatch;
}

Result<void> CaptureParser::add_row(Row& row, Format format, std::uint64_t line_no) {
    if (!current_open_) {
        start_snapshot(line_no);
    }
    if (total_sockets_ >= options_.max_sockets) {
        return make_error(name_ + ":" + std::to_string(line_no) + ": more than " +
                          std::to_string(options_.max_sockets) +
                          " sockets in this capture (the limit that keeps analyze under 128 MiB, "
                          "see docs/analyze.md); split the file, or raise --max-sockets");
    }
    ++total_sockets_;
    ++capture_.stats.socket_rows;
    ++tally_.rows;
    current_.formats |= 1u << static_cast<int>(format);
    auto& s = row.socket;
    if (row.named) {
        ++tally_.named;
        for (auto* name : {&s.local.name, &s.remote.name}) {
            if (name->size() > kMaxNameBytes) {
                *name = capped(name->view());
            }
        }
    }
    if (!row.state_text.empty()) {
        if (tally_.unknown_state++ == 0) {
            tally_.first_unknown_state = "'" + std::string(row.state_text.substr(0, 40)) +
                                         "' at line " + std::to_string(line_no);
        }
    }
    if (!row.pid_column) {
        ++tally_.without_pid_column;
    }
    if (!row.has_ports) {
        ++tally_.without_ports;
    }
    tally_.cut += row.cut;
    nettools_wide_ = nettools_wide_ || row.wide;
    if (s.state == core::TcpState::Bound) {
        current_.has_bound_rows = true;
    }
    for (std::size_t i = 0; i < row.owner_count; ++i) {
        const auto& owner = row.owners[i];
        s.owners.push_back(owner.pid);
        auto* process = process_for(owner.pid).first;
        if (process->name.empty() && !owner.name.empty()) {
            process->name = capped(owner.name);
        }
    }
    if (s.owners.size() > 1) {
        std::sort(s.owners.begin(), s.owners.end());
        s.owners.erase(std::unique(s.owners.begin(), s.owners.end()), s.owners.end());
    }
    s.attribution = s.owners.empty() ? core::Attribution::Unknown : core::Attribution::Owned;
    sockets_.push_back(std::move(s));
    return {};
}

void CaptureParser::owner_line(std::string_view text) {
    auto o = classify_owner_line(text);
    switch (o.kind) {
        case OwnerLineKind::Executable:
            if (!block_pid_ && block_socket_) {
                attribute_by_name(o.text);
                return;
            }
            if (!block_pid_) {
                ++tally_.names_without_pid;
                return;
            }
            if (o.text == "System" && *block_pid_ != 4) {
                ++tally_.orphan_system;
                return;
            }
            if (auto* p = find_process(*block_pid_); p && p->name.empty()) {
                p->name = capped(o.text);
            }
            return;
        case OwnerLineKind::Service:
            if (!block_pid_ && block_socket_) {
                if (block_services_.size() < kMaxServicesPerProcess) {
                    block_services_.emplace_back(o.text);
                }
                return;
            }
            if (block_pid_) {
                if (auto* p = find_process(*block_pid_)) {
                    auto& services = p->services;
                    auto service = capped(o.text);
                    if (services.size() < kMaxServicesPerProcess &&
                        std::find(services.begin(), services.end(), service) == services.end()) {
                        services.push_back(std::move(service));
                    }
                }
            }
            return;
        case OwnerLineKind::Component:
            capture_.xp_component_chains = true;
            return;
        case OwnerLineKind::Unavailable:
            ++tally_.owner_unavailable;
            return;
    }
}

// netstat -ab without -o prints no PID, but the [exe] line (after the service lines) follows
// its row: the row's owner is the process of that name and those services. One capture-local
// pid (negative) per distinct name and service list; instances of one program are one process.
void CaptureParser::attribute_by_name(std::string_view exe) {
    std::size_t index = *block_socket_;
    block_socket_.reset();
    auto& sockets = sockets_;
    if (exe.empty() || index >= sockets.size() || !sockets[index].owners.empty()) {
        block_services_.clear();
        return;
    }
    std::string key = capped(exe);
    for (const auto& service : block_services_) {
        key += '\n';
        key += service;
    }
    // One pid per name and services for the whole file, so a trend follows the process.
    std::int32_t pid =
        local_pids_.try_emplace(std::move(key), -static_cast<std::int32_t>(local_pids_.size() + 1))
            .first->second;
    if (auto [p, fresh] = process_for(pid); fresh) {
        p->name = capped(exe);
        p->services = std::move(block_services_);
    }
    block_services_.clear();
    sockets[index].owners.push_back(pid);
    sockets[index].attribution = core::Attribution::Owned;
    ++tally_.by_name;
}

bool CaptureParser::hold_as_header(std::string_view text, std::uint64_t number) {
    if (!text_shaped(text)) {
        return false;
    }
    if (pending_.size() == kMaxPending) {
        unrecognised(pending_.front().text, pending_.front().number, {});
        pending_.erase(pending_.begin());
    }
    pending_.push_back(PendingLine{std::string(text), number, at_gap_, false});
    at_gap_ = false;
    return true;
}

void CaptureParser::flush_pending() {
    for (const auto& p : pending_) {
        unrecognised(p.text, p.number, {});
    }
    pending_.clear();
}

// `next` follows the held lines: a row (of any format) or a known header or title.
Result<void> CaptureParser::resolve_pending(std::string_view next, bool next_is_row) {
    if (pending_.empty()) {
        return {};
    }
    const std::size_t n = pending_.size();
    const auto& last = pending_.back();
    std::array<bool, kMaxPending> accepted{};
    bool title = false;
    if (next_is_row) {
        // The header sits right above the first row, indented like it.
        if (!last.blank_after && indentation(last.text) == indentation(next)) {
            bool header = last.gap_before;
            if (n == 2 && pending_[0].gap_before &&
                (pending_[0].blank_after ? last.gap_before : true)) {
                accepted[0] = true;  // title, blank, header (Windows) or title, header (net-tools)
                title = true;
                header = true;
            }
            accepted[n - 1] = header;
        }
    } else if (last.gap_before || !last.blank_after) {
        // A title above a header portwatch knows ("Proto ..."): right above it (net-tools
        // prints its section titles straight after the last row), or after a blank line.
        accepted[n - 1] = true;
        title = true;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!accepted[i]) {
            unrecognised(pending_[i].text, pending_[i].number, {});
        } else {
            ++recognised_lines_;
        }
    }
    pending_.clear();
    if (title && current_open_ && tally_.rows > 0) {
        return end_snapshot();  // a title after rows: the next capture of a `>>` loop
    }
    return {};
}

bool CaptureParser::header_or_title(std::string_view text, bool& starts_capture) {
    starts_capture = false;
    auto f = split_fields<4>(text);
    std::string_view first = f.at[0];
    if (first == "Proto") {
        return true;  // netstat's header, any language: columns are read from the rows
    }
    if (first == "Netid") {
        section_ = Section::None;
        return true;
    }
    if (first == "State" && f.size > 1 && f.at[1] == "Recv-Q") {
        section_ = Section::SsNoNetid;
        ss_udp_table_ = false;
        return true;
    }
    if (text.find("local_address") != std::string_view::npos &&
        text.find("rem_address") != std::string_view::npos) {
        proc_protocol_ = text.find("drops") != std::string_view::npos ? core::Protocol::Udp
                                                                      : core::Protocol::Tcp;
        return true;
    }
    if (auto columns = parse_powershell_csv_header(text)) {
        ps_csv_ = columns;
        return true;
    }
    bool udp = false;
    if (is_powershell_table_header(text, udp)) {
        ps_table_udp_ = udp;
        return true;
    }
    std::string_view t = trim(text);
    if (!t.empty() && t.find_first_not_of("- ") == std::string_view::npos) {
        return true;  // the dashes under a PowerShell table header
    }
    for (auto title : kWindowsTitles) {
        if (t == title) {
            starts_capture = true;
            return true;
        }
    }
    if (t.starts_with("Active Internet connections")) {
        starts_capture = true;
        section_ = Section::None;
        return true;
    }
    if (t.starts_with("Active ")) {  // "Active UNIX domain sockets", "Active Bluetooth ..."
        return true;
    }
    // net-tools run without root: "(Not all processes could be identified, non-owned process
    // info\n will not be shown, you would have to be root to see it all.)"
    if (t.starts_with("(Not all processes could be identified")) {
        not_root_ = true;
        return true;
    }
    if (t.starts_with("will not be shown, you would have to be root")) {
        return true;
    }
    return false;
}

Result<void> CaptureParser::feed(const Line& line) {
    ++capture_.stats.lines;
    if (line.truncated) {
        block_open_ = false;
        flush_pending();
        at_gap_ = false;
        unrecognised(line, "(longer than 65536 bytes)");
        return {};
    }
    std::string_view text = line.text;
    std::string_view t = trim(text);
    if (t.empty()) {
        block_open_ = false;  // XP's -v output ends each owner block with a blank line
        block_socket_.reset();
        if (!pending_.empty()) {
            pending_.back().blank_after = true;
        }
        at_gap_ = true;
        return {};
    }
    if (t.front() == '#') {
        block_open_ = false;
        flush_pending();
        at_gap_ = true;
        std::string_view rest = trim(t.substr(1));
        if (rest.size() >= 8 && iequals(rest.substr(0, 8), "taken at")) {
            auto when = parse_timestamp(rest.substr(8));
            if (!when) {
                unrecognised(line, "(expected '# taken at YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]')");
                return {};
            }
            ++recognised_lines_;
            if (current_open_ && tally_.rows > 0) {
                if (auto ended = end_snapshot(); !ended) {
                    return ended;
                }
            }
            if (current_open_) {
                current_.taken_at = when;
            } else {
                pending_time_ = when;
            }
            return {};
        }
        ++recognised_lines_;  // comments, PowerShell's #TYPE line
        return {};
    }
    // Fast path: inside a -b owner block, an indented line that does not start with a
    // protocol is an owner line (half the lines of an -anob capture).
    auto first = split_fields<1>(text);
    const bool proto_first = first.size == 1 && parse_protocol_word(first.at[0]).has_value();
    if (block_open_ && !proto_first && (is_space(text.front()) || text.front() == '[')) {
        ++recognised_lines_;
        owner_line(text);
        return {};
    }
    block_socket_.reset();
    block_services_.clear();
    Row row;
    Format format{};
    if (auto result = try_row(text, row, format); result != RowResult::Mismatch) {
        if (auto resolved = resolve_pending(text, true); !resolved) {
            return resolved;
        }
        at_gap_ = false;
        ++recognised_lines_;
        if (result == RowResult::Skipped) {
            block_open_ = false;
            return {};
        }
        if (format == Format::Ss && section_ == Section::SsNoNetid &&
            row.socket.protocol == core::Protocol::Udp) {
            ss_udp_table_ = true;
        }
        block_open_ = format == Format::WindowsNetstat;
        block_pid_.reset();
        if (row.owner_count == 1) {
            block_pid_ = row.owners[0].pid;
        }
        if (block_open_ && !row.pid_column) {
            // The row that -b owner lines without a PID column belong to (attribute_by_name).
            block_socket_ = current_open_ ? sockets_.size() : 0;
        }
        return add_row(row, format, line.number);
    }
    if (proto_first && text.find(',') == std::string_view::npos) {
        block_open_ = false;
        flush_pending();
        at_gap_ = false;
        unrecognised(line, "(expected PROTO LOCAL-ADDRESS:PORT REMOTE-ADDRESS:PORT [STATE] [PID])");
        return {};
    }
    block_open_ = false;
    bool starts_capture = false;
    if (header_or_title(text, starts_capture)) {
        if (auto resolved = resolve_pending(text, false); !resolved) {
            return resolved;
        }
        at_gap_ = true;
        ++recognised_lines_;
        if (starts_capture && current_open_ && tally_.rows > 0) {
            return end_snapshot();
        }
        return {};
    }
    if (netsh_.feed(text)) {
        flush_pending();
        at_gap_ = true;
        ++recognised_lines_;
        if (auto block = netsh_.take_block()) {
            ++netsh_blocks_;
            if (block->range) {
                capture_.netsh.push_back(NetshRange{block->protocol, *block->range, line.number});
            } else {
                capture_.warnings.push_back(core::Warning{name_ + ":" +
                                                          std::to_string(line.number) + ": " +
                                                          block->range.error().message});
            }
        }
        return {};
    }
    if (is_elevation_refusal(text)) {
        flush_pending();
        at_gap_ = true;
        ++recognised_lines_;
        if (elevation_line_ == 0) {
            elevation_line_ = line.number;
        }
        return {};
    }
    if (hold_as_header(text, line.number)) {
        return {};
    }
    flush_pending();
    at_gap_ = false;
    unrecognised(line, {});
    return {};
}

Result<Capture> CaptureParser::finish(Encoding encoding, std::uint64_t bytes,
                                      std::uint64_t transcoded) {
    flush_pending();
    CaptureTally leftover;
    if (current_open_) {
        if (auto ended = end_snapshot(); !ended) {
            return std::unexpected(ended.error());
        }
    } else {
        leftover = tally_;
    }
    capture_.encoding = encoding;
    capture_.stats.bytes = bytes;
    capture_.stats.transcoded = transcoded;
    if (capture_.stats.socket_rows == 0) {
        if (elevation_line_ != 0) {
            return make_error(
                name_ + ":" + std::to_string(elevation_line_) +
                ": netstat refused to run (\"The requested operation requires elevation.\"): "
                "-b needs an elevated prompt. Open Command Prompt with \"Run as administrator\" "
                "and rerun netstat -anobq, or capture without -b (netstat -anoq)");
        }
        if (recognised_lines_ == 0) {
            std::string why = name_ + ": no capture recognised";
            if (!leftover.first_unrecognised.empty()) {
                why += " (" + leftover.first_unrecognised + ")";
            } else if (capture_.stats.lines == 0) {
                why += " (the file is empty)";
            }
            return make_error(
                why +
                ": expected the output of netstat -ano[b][q] (Windows), netstat -tanp or "
                "ss -tanp (Linux), /proc/net/tcp, Get-NetTCPConnection (Export-Csv or "
                "table), tcpvcon -a -c -n, or netsh int ipv4 show dynamicport tcp");
        }
    }
    if (not_root_) {
        capture_.warnings.push_back(core::Warning{
            "netstat ran without root (\"Not all processes could be identified\"): sockets of "
            "other users' processes show no owner"});
    }
    if (elevation_line_ != 0 && capture_.stats.socket_rows > 0) {
        capture_.warnings.push_back(core::Warning{
            name_ + ":" + std::to_string(elevation_line_) +
            ": the file also holds netstat's \"requires elevation\" refusal: part of it was "
            "captured without an elevated prompt"});
    }
    if (leftover.unrecognised > 0) {
        capture_.warnings.push_back(
            core::Warning{plural(leftover.unrecognised, "line", "lines") +
                          (capture_.stats.socket_rows > 0 ? " after the last socket row" : "") +
                          (leftover.unrecognised == 1 ? " was" : " were") + " not recognised (" +
                          leftover.first_unrecognised + ")"});
    }
    if (transcoded > 0) {
        capture_.warnings.push_back(
            core::Warning{plural(transcoded, "line was", "lines were") + " not UTF-8 and " +
                          (transcoded == 1 ? "was" : "were") +
                          " read in the OEM code page (--code-page to change it)"});
    }
    return std::move(capture_);
}

}  // namespace portwatch::capture
