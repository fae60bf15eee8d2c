#include "render/evidence_renderer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>

namespace portwatch::render {

std::unique_ptr<EvidenceRenderer> make_evidence_html_renderer();
std::unique_ptr<EvidenceRenderer> make_evidence_markdown_renderer();

std::unique_ptr<EvidenceRenderer> make_evidence_renderer(EvidenceFormat format) {
    return format == EvidenceFormat::Html ? make_evidence_html_renderer()
                                          : make_evidence_markdown_renderer();
}

std::span<const EvidenceSection> evidence_sections() {
    static constexpr std::array<EvidenceSection, 8> kSections = {{
        {"verdict", "Verdict"},
        {"pools", "Port pools over time"},
        {"culprits", "Culprit processes"},
        {"failures", "Failed allocations"},
        {"crossings", "Thresholds crossed"},
        {"host", "Host facts"},
        {"remedy", "Remedy"},
        {"method", "How this was measured"},
    }};
    return kSections;
}

std::string evidence_time(core::TimePoint t) {
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(t));
}

std::string evidence_window(const Evidence& e) {
    const char* unit = e.source == EvidenceSource::History    ? "minutes"
                       : e.source == EvidenceSource::Captures ? "captures"
                                                              : "samples";
    if (e.from == e.until) {
        return fmt::format("{} ({} {})", evidence_time(e.until), e.samples, unit);
    }
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(e.until - e.from).count();
    return fmt::format("{} to {} ({}h{:02d}m, {} {})", evidence_time(e.from),
                       evidence_time(e.until), minutes / 60, minutes % 60, e.samples, unit);
}

std::string evidence_growth(const std::optional<double>& per_hour) {
    return per_hour ? fmt::format("{:+.1f}/h", *per_hour) : std::string("-");
}

}  // namespace portwatch::render
