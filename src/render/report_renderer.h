#pragma once
// Renderers of diagnose reports, shared by `portwatch diagnose` (live) and `portwatch analyze`
// (captures). Text: verdict first, then evidence, in 80 columns. JSON: the
// "portwatch.diagnose/1" document of docs/diagnose.md.

#include <cstddef>
#include <memory>
#include <ostream>
#include <span>
#include <string_view>

#include "analyze/report.h"
#include "analyze/verdict.h"

namespace portwatch::render {

struct ReportOptions {
    std::size_t max_pools =
        8;  // pools listed in text (JSON: at least 50, and every one a finding cites)
    std::size_t width = 80;
};

// Reports of one or more namespaces; with several, each gets a heading and the overall verdict
// comes first.
void render_reports_text(std::ostream& out, std::span<const analyze::Report> reports,
                         const ReportOptions& options);
void render_reports_json(std::ostream& out, std::span<const analyze::Report> reports,
                         const ReportOptions& options);

// The report renderers behind one interface, chosen by a factory like the snapshot ones.
enum class ReportFormat { Text, Json };

class ReportRenderer {
  public:
    virtual ~ReportRenderer() = default;
    virtual void render(std::ostream& out, std::span<const analyze::Report> reports) const = 0;
};

std::unique_ptr<ReportRenderer> make_report_renderer(ReportFormat format,
                                                     const ReportOptions& options);

// Word-wraps untrusted text (made terminal-safe first) to `width` columns.
void write_wrapped(std::ostream& out, std::string_view text, std::size_t width);

// The pieces of render_reports_text and render_reports_json, for a caller that renders each
// report as it comes and cannot keep them all (analyze --each on a file of 100,000 captures):
// the heading that goes first when there are several reports, one report's section, and one
// report as a JSON object (an element of the document's "reports").
void render_reports_text_heading(std::ostream& out, const analyze::OverallVerdict& verdict,
                                 std::size_t reports, std::size_t not_ok);
void render_report_text_section(std::ostream& out, const analyze::Report& report,
                                const ReportOptions& options);
class JsonWriter;
void write_report_json(JsonWriter& json, const analyze::Report& report,
                       const ReportOptions& options);

}  // namespace portwatch::render
