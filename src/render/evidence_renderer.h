#pragma once
// `portwatch report`'s writers: the Evidence (evidence.h) as one self-contained HTML file
// (CSS and SVG charts inline, no script, no fetch: a Content-Security-Policy forbids them; a
// print stylesheet for A4 and Letter) or as Markdown for a ticket, with the same sections in
// the same order. Every string from the system goes through html_escape / markdown_escape.

#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "render/evidence.h"

namespace portwatch::render {

enum class EvidenceFormat { Html, Markdown };

class EvidenceRenderer {
  public:
    virtual ~EvidenceRenderer() = default;
    virtual void render(std::ostream& out, const Evidence& evidence) const = 0;
};

std::unique_ptr<EvidenceRenderer> make_evidence_renderer(EvidenceFormat format);

// The section headings both writers use, in order (docs/report.md explains each).
struct EvidenceSection {
    std::string_view id;     // "verdict", "pools", ...
    std::string_view title;  // "Verdict", ...
};
std::span<const EvidenceSection> evidence_sections();

// Shared wording.
std::string evidence_time(core::TimePoint t);  // "2026-12-02 10:00:00 UTC"
std::string evidence_window(
    const Evidence& evidence);  // "2026-... to 2026-... (24 h, 1440 samples)"
std::string evidence_growth(const std::optional<double>& per_hour);  // "+12.0/h", "—"

}  // namespace portwatch::render
