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
#include "capture/capture_tally.h"
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
    std::unordered_map<std::int32_t, core::Process> processes_;
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
    std::optional<std::chrono::system_clock::time_point> pending_time_;
    std::uint64_t total_sockets_ = 0;
    std::uint64_t elevation_line_ = 0;
    bool not_root_ = false;  // net-tools said it could not identify every process
    std::uint64_t recognised_lines_ = 0;
};

}  // namespace portwatch::capture
