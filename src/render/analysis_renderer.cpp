#include "render/analysis_renderer.h"

#include <algorithm>
#include <array>
#include <span>

#include "render/json_writer.h"
#include "render/snapshot_renderer.h"
#include "render/trend_text.h"

namespace portwatch::render {

namespace {

constexpr std::array<std::string_view, 4> kTimeOrigins = {
    "--at", "'# taken at' line", "file modification time",
    "time of reading (standard input has no time)"};

// The captures in time order (input order among equal times), for the trend's list.
std::vector<std::uint32_t> by_time(const std::vector<CaptureSummary>& captures) {
    std::vector<std::uint32_t> order(captures.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = static_cast<std::uint32_t>(i);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return captures[a].taken_at < captures[b].taken_at;
    });
    return order;
}

void write_file_json(JsonWriter& j, const CaptureFileSummary& f,
                     std::span<const CaptureSummary> captures,
                     const std::vector<std::string>& formats) {
    j.begin_object();
    j.key("file").value(f.name);
    j.key("encoding").value(f.encoding);
    j.key("lines").value(f.lines);
    j.key("socket_rows").value(f.socket_rows);
    j.key("skipped_sockets").value(f.skipped_sockets);
    j.key("unrecognised_lines").value(f.unrecognised_lines);
    j.key("legacy_code_page_lines").value(f.legacy_code_page_lines);
    j.key("netsh_ranges").begin_array();
    for (const auto& n : f.netsh_ranges) {
        j.begin_object();
        j.key("protocol").value(core::protocol_name(n.protocol));
        j.key("low").value(n.low);
        j.key("high").value(n.high);
        j.key("line").value(n.line);
        j.end_object();
    }
    j.end_array();
    j.key("snapshots").begin_array();
    for (const auto& s : captures) {
        j.begin_object();
        j.key("first_line").value(s.first_line);
        j.key("format").value(formats.at(s.format));
        j.key("sockets").value(s.sockets);
        j.key("processes").value(s.processes);
        j.key("taken_at").value(iso_time(s.taken_at));
        j.key("time_origin").value(time_origin_text(s.origin));
        j.end_object();
    }
    j.end_array();
    j.key("warnings").begin_array();
    for (const auto& w : f.warnings) {
        j.value(w);
    }
    j.end_array();
    j.end_object();
}

class TextAnalysisRenderer final : public AnalysisRenderer {
  public:
    explicit TextAnalysisRenderer(const ReportOptions& options) : options_(options) {}

    void render_shown_report(std::ostream& out, const analyze::Report& report) const override {
        render_report_text_section(out, report, options_);
    }

    Result<void> render(std::ostream& out, const AnalysisSummary& s) const override {
        if (s.all_shown) {
            render_reports_text_heading(out, s.verdict, s.captures.size(), s.not_ok);
            auto replayed = s.shown_reports([&](std::string_view text) { out << text; });
            auto [first, last] = std::minmax_element(
                s.captures.begin(), s.captures.end(),
                [](const auto& a, const auto& b) { return a.taken_at < b.taken_at; });
            if (!s.each && first != s.captures.end() && first->taken_at == last->taken_at) {
                out << "\nNo trend: the " << s.captures.size()
                    << " captures carry the same time (add '# taken at' lines or --at).\n";
            }
            return replayed;
        }
        if (s.latest) {
            render_reports_text(out, std::span<const analyze::Report>(&*s.latest, 1), options_);
        }
        if (s.trend) {
            out << '\n';
            auto order = by_time(s.captures);
            render_trend_text(out, *s.trend, order.size(), [&](std::size_t i) {
                const auto& c = s.captures[order[i]];
                return TrendCapture{c.taken_at, s.label(c), time_origin_text(c.origin)};
            });
        }
        return {};
    }

  private:
    ReportOptions options_;
};

class JsonAnalysisRenderer final : public AnalysisRenderer {
  public:
    explicit JsonAnalysisRenderer(const ReportOptions& options) : options_(options) {}

    void render_shown_report(std::ostream& out, const analyze::Report& report) const override {
        JsonWriter j(out);
        write_report_json(j, report, options_);
    }

    Result<void> render(std::ostream& out, const AnalysisSummary& s) const override {
        Result<void> replayed = {};
        JsonWriter j(out);
        j.begin_object();
        j.key("schema").value("portwatch.analyze/1");
        j.key("captures").begin_array();
        std::span<const CaptureSummary> captures(s.captures);
        std::size_t from = 0;
        for (const auto& f : s.files) {
            j.newline();
            write_file_json(j, f, captures.subspan(from, f.captures), s.formats);
            from += f.captures;
        }
        j.end_array();
        j.key("trend");
        if (s.trend) {
            write_trend_json(j, *s.trend);
        } else {
            j.null();
        }
        // The portwatch.diagnose/1 document of the reports shown.
        j.key("diagnose").begin_object();
        j.key("schema").value("portwatch.diagnose/1");
        j.key("verdict").value(s.verdict.unknown ? "UNKNOWN"
                                                 : analyze::severity_name(s.verdict.severity));
        j.key("reports").begin_array();
        if (s.all_shown) {
            replayed = s.shown_reports([&](std::string_view text) {
                j.newline();
                j.written_value(text);
            });
        } else if (s.latest) {
            j.newline();
            write_report_json(j, *s.latest, options_);
        }
        j.end_array();
        j.end_object();
        j.newline();
        j.end_object();
        j.newline();
        return replayed;
    }

  private:
    ReportOptions options_;
};

}  // namespace

std::string_view time_origin_text(TimeOrigin origin) {
    return kTimeOrigins.at(static_cast<std::size_t>(origin));
}

std::string AnalysisSummary::label(const CaptureSummary& capture) const {
    const auto& f = files.at(capture.file);
    return f.captures > 1 ? f.name + " #" + std::to_string(capture.index + 1) : f.name;
}

std::unique_ptr<AnalysisRenderer> make_analysis_renderer(ReportFormat format,
                                                         const ReportOptions& options) {
    if (format == ReportFormat::Json) {
        return std::make_unique<JsonAnalysisRenderer>(options);
    }
    return std::make_unique<TextAnalysisRenderer>(options);
}

}  // namespace portwatch::render
