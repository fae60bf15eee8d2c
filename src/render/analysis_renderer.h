#pragma once
// The output of `portwatch analyze`: the captures read, the trend over them and the diagnose
// reports shown, as text or as the "portwatch.analyze/1" JSON document (docs/analyze.md).
//
// The command fills an AnalysisSummary while the captures stream in (each is diagnosed and its
// sockets dropped) and hands it to a renderer chosen by make_analysis_renderer. Nothing here
// holds a capture's sockets: per capture a 40-byte CaptureSummary, the latest report, the
// trend, and the reports shown when every capture's is (`--each`), which the command keeps
// outside memory (rendered one by one with render_shown_report, replayed in time order).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/report.h"
#include "analyze/trend.h"
#include "analyze/verdict.h"
#include "core/result.h"
#include "core/socket.h"
#include "render/report_renderer.h"

namespace portwatch::render {

// Where a capture's time came from.
enum class TimeOrigin : std::uint8_t { At, TakenAtLine, FileTime, ReadTime };
// "--at", "'# taken at' line", "file modification time", "time of reading (...)".
std::string_view time_origin_text(TimeOrigin origin);

// One capture once diagnosed: its line in the JSON "snapshots" and in the trend's list.
struct CaptureSummary {
    std::chrono::system_clock::time_point taken_at;
    std::uint64_t first_line = 0;
    std::uint32_t file = 0;   // index into AnalysisSummary::files
    std::uint32_t index = 0;  // in its file
    std::uint32_t sockets = 0;
    std::uint32_t processes = 0;
    std::uint16_t format = 0;  // index into AnalysisSummary::formats
    TimeOrigin origin = TimeOrigin::At;
};

// A netsh dynamicport block found in a file.
struct NetshRangeSummary {
    core::Protocol protocol = core::Protocol::Tcp;
    std::uint16_t low = 0;
    std::uint16_t high = 0;
    std::uint64_t line = 0;
};

// One input file as read (its captures are in AnalysisSummary::captures).
struct CaptureFileSummary {
    std::string name;  // as given; "-" for standard input
    std::string encoding;
    std::uint64_t lines = 0;
    std::uint64_t socket_rows = 0;
    std::uint64_t skipped_sockets = 0;
    std::uint64_t unrecognised_lines = 0;
    std::uint64_t legacy_code_page_lines = 0;
    std::vector<NetshRangeSummary> netsh_ranges;
    std::vector<std::string> warnings;  // about the file as a whole
    std::size_t captures = 0;           // how many; consecutive in AnalysisSummary::captures
};

// Hands each kept report text to `visit`, in time order (input order among equal times).
using ShownReports =
    std::function<Result<void>(const std::function<void(std::string_view)>& visit)>;

struct AnalysisSummary {
    std::vector<CaptureFileSummary> files;
    std::vector<CaptureSummary> captures;   // input order, a file's captures together
    std::vector<std::string> formats;       // "ss -tanp", ...: CaptureSummary::format
    bool each = false;                      // --each: a report per capture, no trend
    std::optional<analyze::Report> latest;  // the report of the latest capture
    std::optional<analyze::Trend> trend;    // over the captures, when they carry several times
    analyze::OverallVerdict verdict;        // of the reports shown
    // Every capture's report is shown (--each, or several captures without a trend): their
    // texts come from `shown_reports`, after a heading that counts those not OK. Otherwise
    // the latest report is shown, and the trend when there is one.
    bool all_shown = false;
    std::size_t not_ok = 0;
    ShownReports shown_reports;

    // "file", or "file #2" for a capture of a file that holds several.
    std::string label(const CaptureSummary& capture) const;
};

class AnalysisRenderer {
  public:
    virtual ~AnalysisRenderer() = default;
    // One report as it appears among all the reports shown: rendered when it is made, kept
    // by the caller, and handed back through AnalysisSummary::shown_reports.
    virtual void render_shown_report(std::ostream& out, const analyze::Report& report) const = 0;
    // The whole output. Fails only when the shown reports cannot be read back.
    virtual Result<void> render(std::ostream& out, const AnalysisSummary& summary) const = 0;
};

std::unique_ptr<AnalysisRenderer> make_analysis_renderer(ReportFormat format,
                                                         const ReportOptions& options);

}  // namespace portwatch::render
