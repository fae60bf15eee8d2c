#pragma once
// The line-by-line state machine behind read_capture: recognises each line's format, keeps
// the -b owner block open across the lines that follow a row, splits repeated captures into
// snapshots, and counts what it could not read. Internal to the capture layer.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "capture/capture.h"
#include "capture/netsh_dynamicport.h"
#include "capture/powershell_export.h"
#include "capture/row.h"

namespace portwatch::capture {

class CaptureParser {
public:
    CaptureParser(std::string name, const CaptureOptions& options);

    Result<void> feed(const Line& line);
    // Ends the last snapshot and checks the file as a whole.
    Result<Capture> finish(Encoding encoding, std::uint64_t bytes, std::uint64_t transcoded);

private:
    enum class Section : std::uint8_t { None, SsNoNetid };

    // Counters of one snapshot, turned into warnings when it ends.
    struct Tally {
        std::uint64_t rows = 0;
        std::uint64_t skipped = 0;
        std::uint64_t unrecognised = 0;
        std::string first_unrecognised;  // "line 12: '...'"
        std::uint64_t unknown_state = 0;
        std::string first_unknown_state;
        std::uint64_t named = 0;
        std::uint64_t without_pid_column = 0;
        std::uint64_t owner_unavailable = 0;
        std::uint64_t names_without_pid = 0;
        std::uint64_t orphan_system = 0;  // [System] shown for a PID other than 4
        std::uint64_t without_ports = 0;
    };

    // Socket: `row` and `format` are set; Skipped: a non-TCP/UDP socket, counted; Mismatch:
    // no format's row.
    RowResult try_row(std::string_view text, Row& row, Format& format);
    Result<void> add_row(Row& row, Format format, std::uint64_t line_no);
    void owner_line(std::string_view text);
    bool header_or_title(std::string_view text, bool& starts_capture);
    void unrecognised(const Line& line, std::string_view why);
    void start_snapshot(std::uint64_t line_no);
    void end_snapshot();

    std::string name_;
    CaptureOptions options_;
    Capture capture_;
    NetshDynamicPortReader netsh_;

    // current snapshot
    CaptureSnapshot current_;
    Tally tally_;
    std::unordered_map<std::int32_t, core::Process> processes_;
    bool current_open_ = false;

    // state across lines
    Section section_ = Section::None;
    bool ss_udp_table_ = false;
    std::optional<core::Protocol> proc_protocol_;
    std::optional<PowerShellColumns> ps_csv_;
    std::optional<bool> ps_table_udp_;
    std::optional<Format> last_format_;
    bool block_open_ = false;         // the last line was a Windows row or its owner lines
    std::optional<std::int32_t> block_pid_;
    std::optional<std::chrono::system_clock::time_point> pending_time_;
    std::uint64_t total_sockets_ = 0;
    std::uint64_t elevation_line_ = 0;
    std::uint64_t recognised_lines_ = 0;
};

}  // namespace portwatch::capture
