#include "render/report_renderer.h"

namespace portwatch::render {

using analyze::Report;

namespace {

class TextReportRenderer final : public ReportRenderer {
  public:
    explicit TextReportRenderer(const ReportOptions& options) : options_(options) {}
    void render(std::ostream& out, std::span<const Report> reports) const override {
        render_reports_text(out, reports, options_);
    }

  private:
    ReportOptions options_;
};

class JsonReportRenderer final : public ReportRenderer {
  public:
    explicit JsonReportRenderer(const ReportOptions& options) : options_(options) {}
    void render(std::ostream& out, std::span<const Report> reports) const override {
        render_reports_json(out, reports, options_);
    }

  private:
    ReportOptions options_;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_report_renderer(ReportFormat format,
                                                     const ReportOptions& options) {
    if (format == ReportFormat::Json) {
        return std::make_unique<JsonReportRenderer>(options);
    }
    return std::make_unique<TextReportRenderer>(options);
}

}  // namespace portwatch::render
