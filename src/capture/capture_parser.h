#pragma once
// The line-by-line state machine behind read_capture: recognises each line's format, keeps
// the -b owner block open across the lines that follow a row, splits repeated captures into
// snapshots, and counts what it could not read. Internal to the capture layer.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "capture/capture.h"
#include "capture/capture_tally.h"
#include "capture/chunked_vector.h"
#include "capture/netsh_dynamicport.h"
#include "capture/powershell_export.h"
#include "capture/row.h"

namespace portwatch::capture {

class CaptureParser {
  public:
    // With a sink, each snapshot goes to it when it ends (Capture::snapshots stays empty).
    CaptureParser(std::string name, const CaptureOptions& options, SnapshotSink sink = {});

    Result<void> feed(const Line& line);
    // Ends the last snapshot and checks the file as a whole.
    Result<Capture> finish(Encoding encoding, std::uint64_t bytes, std::uint64_t transcoded);

    // Socket rows (kept or skipped) and netsh ranges so far: what counts as progress for
    // CaptureOptions::max_unrecognised_bytes.
    std::uint64_t progress() const {
        return capture_.stats.socket_rows + capture_.stats.skipped_sockets + netsh_blocks_;
    }
    // "line 12: '...'": the first line of the current snapshot that was not recognised.
    const std::string& first_unrecognised() const { return tally_.first_unrecognised; }

  private:
    enum class Section : std::uint8_t { None, SsNoNetid };

    // Socket: `row` and `format` are set; Skipped: a non-TCP/UDP socket, counted; Mismatch:
    // no format's row.
    RowResult try_row(std::string_view text, Row& row, Format& format);
    Result<void> add_row(Row& row, Format format, std::uint64_t line_no);
    void owner_line(std::string_view text);
    bool header_or_title(std::string_view text, bool& starts_capture);
    void unrecognised(const Line& line, std::string_view why);
    void unrecognised(std::string_view text, std::uint64_t number, std::string_view why);
    // Translated titles and column headers, recognised by their place (see pending_).
    bool hold_as_header(std::string_view text, std::uint64_t number);
    Result<void> resolve_pending(std::string_view next, bool next_is_row);
    void flush_pending();
    void attribute_by_name(std::string_view exe);
    void start_snapshot(std::uint64_t line_no);
    Result<void> end_snapshot();

    std::string name_;
    CaptureOptions options_;
    Capture capture_;
    SnapshotSink sink_;
    std::uint64_t netsh_blocks_ = 0;
    NetshDynamicPortReader netsh_;

    // current snapshot
    CaptureSnapshot current_;
    CaptureTally tally_;
    // The current snapshot's sockets, and its processes in the order first seen with where
    // each pid is: gathered in chunks and handed to the snapshot at its end (chunked_vector.h:
    // no doubling buffers), so 200,000 of either are not held twice.
    ChunkedVector<core::Socket> sockets_;
    ChunkedVector<core::Process> processes_;
    std::unordered_map<std::int32_t, std::uint32_t> process_slot_;
    core::Process* find_process(std::int32_t pid);
    // The process of `pid`, made (with only its pid) when new; true when it was.
    std::pair<core::Process*, bool> process_for(std::int32_t pid);
    bool current_open_ = false;

    // state across lines
    Section section_ = Section::None;
    bool ss_udp_table_ = false;
    std::optional<core::Protocol> proc_protocol_;
    std::optional<PowerShellColumns> ps_csv_;
    std::optional<bool> ps_table_udp_;
    std::optional<Format> last_format_;
    bool block_open_ = false;  // the last line was a Windows row or its owner lines
    std::optional<std::int32_t> block_pid_;
    // netstat -ab without -o: the row the owner lines belong to, and its service lines so far.
    std::optional<std::size_t> block_socket_;
    std::vector<std::string> block_services_;
    std::unordered_map<std::string, std::int32_t>
        local_pids_;              // exe + services -> pid < 0, per file
    bool nettools_wide_ = false;  // a net-tools address wider than its column: -W, nothing cut

    // Lines that may be a title or a column header in a language portwatch has no words for,
    // held until the next line tells (at most two: a title and a header). A header is the text
    // line right before the first row of a block, indented like that row, after a blank line
    // (or the start, or a title right above it); a title is a text line after a blank line
    // and before the header (a blank line between them, as Windows prints, or none, as
    // net-tools does); a text line right above a header portwatch knows ("Proto ...") is a
    // title too. Anything else is counted as unrecognised.
    struct PendingLine {
        std::string text;
        std::uint64_t number = 0;
        bool gap_before = false;  // a blank line, the start, or a recognised non-row line above
        bool blank_after = false;
    };
    std::vector<PendingLine> pending_;
    bool at_gap_ = true;  // the last line was blank, a recognised non-row line, or the start
    std::optional<std::chrono::system_clock::time_point> pending_time_;
    std::uint64_t total_sockets_ = 0;
    std::uint64_t elevation_line_ = 0;
    bool not_root_ = false;  // net-tools said it could not identify every process
    std::uint64_t recognised_lines_ = 0;
};

}  // namespace portwatch::capture
