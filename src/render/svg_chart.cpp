#include "render/svg_chart.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "render/html_escape.h"
#include "render/utf8.h"

namespace portwatch::render {

namespace {

// Colours that stay apart in print and for the common colour blindnesses (Okabe-Ito).
constexpr std::array<std::string_view, 6> kPalette = {"#0072b2", "#d55e00", "#009e73",
                                                      "#cc79a7", "#e69f00", "#56b4e9"};
constexpr int kLeft = 64, kRight = 200, kTop = 16, kBottom = 36;

// A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals up to `top`.
double nice_step(double top, int ticks) {
    double raw = top / ticks;
    double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * power >= raw) {
            return m * power;
        }
    }
    return 10 * power;
}

std::string number_text(double v) {
    if (std::abs(v - std::round(v)) < 1e-9) {
        return fmt::format("{:.0f}", v);
    }
    return fmt::format("{:.1f}", v);
}

// The last `max_bytes` bytes of `text` or fewer, cut at a character boundary, after "…" when
// cut: the end is what tells series apart (a pool's destination, a process's pid).
std::string shorten(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return std::string(text);
    }
    std::size_t at = 0;
    while (at < text.size() && text.size() - at > max_bytes) {
        at += std::max<std::size_t>(1, utf8_sequence_length(text.substr(at)));
    }
    return "\u2026" + std::string(text.substr(at));
}

// A tick's time: with the day over most of a day or more, with seconds under ten minutes
// (a lab's two minutes would repeat one HH:MM at every tick).
std::string time_label(core::TimePoint t, double span_seconds) {
    auto s = std::chrono::floor<std::chrono::seconds>(t);
    if (span_seconds > 20 * 3600) {
        return fmt::format("{:%m-%d %H:%M}", s);
    }
    return span_seconds < 600 ? fmt::format("{:%H:%M:%S}", s) : fmt::format("{:%H:%M}", s);
}

}  // namespace

std::vector<ChartPoint> downsample(std::span<const ChartPoint> points, std::size_t max_points) {
    if (points.size() <= max_points || max_points == 0) {
        return {points.begin(), points.end()};
    }
    const auto first = points.front().at, last = points.back().at;
    const double span = std::chrono::duration<double>(last - first).count();
    std::vector<ChartPoint> out;
    out.reserve(max_points);
    std::size_t bucket = std::numeric_limits<std::size_t>::max();
    for (const auto& p : points) {
        double x = span <= 0 ? 0 : std::chrono::duration<double>(p.at - first).count() / span;
        auto b = std::min(max_points - 1, static_cast<std::size_t>(x * max_points));
        if (b != bucket || out.empty()) {
            out.push_back(p);
            bucket = b;
        } else if (p.value > out.back().value) {
            out.back() = p;
        }
    }
    return out;
}

void write_svg_chart(std::ostream& out, const Chart& chart, const SvgSize& size) {
    if (chart.empty()) {
        out << "<p class=\"no-data\" id=\"" << html_escape(chart.id) << "\">No data for "
            << html_escape(chart.title) << ".</p>\n";
        return;
    }
    // The extent of the data.
    core::TimePoint t0 = core::TimePoint::max(), t1 = core::TimePoint::min();
    double top = 0;
    for (const auto& s : chart.series) {
        for (const auto& p : s.points) {
            t0 = std::min(t0, p.at);
            t1 = std::max(t1, p.at);
            top = std::max(top, p.value);
        }
    }
    for (const auto& l : chart.lines) {
        top = std::max(top, l.value);
    }
    if (t1 <= t0) {  // one moment: a minute either side
        t0 -= std::chrono::minutes(1);
        t1 += std::chrono::minutes(1);
    }
    const double step = nice_step(top <= 0 ? 1 : top * 1.05, 5);
    const double y_max = step * std::ceil((top <= 0 ? 1 : top * 1.05) / step);
    const double plot_w = size.width - kLeft - kRight, plot_h = size.height - kTop - kBottom;
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    auto x_of = [&](core::TimePoint t) {
        return kLeft + plot_w * std::chrono::duration<double>(t - t0).count() / seconds;
    };
    auto y_of = [&](double v) { return kTop + plot_h * (1 - v / y_max); };

    out << fmt::format(
        "<svg class=\"chart\" id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
        "role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
        html_escape(chart.id), size.width, size.height, html_escape(chart.title),
        html_escape(chart.title));
    // Axes, grid and tick labels.
    out << fmt::format("<g class=\"axis\" font-size=\"11\" fill=\"#333\">\n");
    for (double v = 0; v <= y_max + step / 2; v += step) {
        double y = y_of(v);
        out << fmt::format(
            "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
            "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
            kLeft, y, kLeft + plot_w, y, kLeft - 6, y + 4, number_text(v));
    }
    constexpr int kXTicks = 6;
    for (int i = 0; i <= kXTicks; ++i) {
        double x = kLeft + plot_w * i / kXTicks;
        auto t = t0 + std::chrono::duration_cast<core::TimePoint::duration>(
                          std::chrono::duration<double>(seconds * i / kXTicks));
        out << fmt::format(
            "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#999\"/>"
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
            x, kTop + plot_h, x, kTop + plot_h + 4, x, kTop + plot_h + 16, time_label(t, seconds));
    }
    out << fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#333\"/>"
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>\n",
        kLeft, kTop, kLeft, kTop + plot_h, kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h);
    out << fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} (UTC)</text>\n",
                       kLeft + static_cast<int>(plot_w), size.height - 4, "time");
    out << fmt::format(
        "<text transform=\"translate(12 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
        kTop + plot_h / 2, html_escape(chart.unit));
    out << "</g>\n";
    // Reference lines.
    for (const auto& l : chart.lines) {
        double y = y_of(l.value);
        out << fmt::format(
            "<g class=\"threshold\"><line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
            "stroke=\"#b00\" stroke-dasharray=\"6 4\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
            "font-size=\"10\" fill=\"#b00\" text-anchor=\"end\">{}</text></g>\n",
            kLeft, y, kLeft + plot_w, y, kLeft + plot_w - 4, y - 3, html_escape(l.label));
    }
    // The series, then the legend.
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
        const auto& s = chart.series[i];
        std::string_view colour = kPalette[i % kPalette.size()];
        std::string path;
        for (const auto& p : s.points) {
            path +=
                fmt::format("{}{:.1f},{:.1f}", path.empty() ? "" : " ", x_of(p.at), y_of(p.value));
        }
        out << "<g class=\"series\">";
        if (s.points.size() == 1) {
            out << fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>",
                               x_of(s.points[0].at), y_of(s.points[0].value), colour);
        } else if (!s.points.empty()) {
            if (chart.area && i == 0) {
                out << fmt::format(
                    "<polygon points=\"{:.1f},{:.1f} {} {:.1f},{:.1f}\" fill=\"{}\" "
                    "fill-opacity=\"0.2\" stroke=\"none\"/>",
                    x_of(s.points.front().at), y_of(0), path, x_of(s.points.back().at), y_of(0),
                    colour);
            }
            out << fmt::format(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", path,
                colour);
        }
        out << "</g>\n";
        double y = kTop + 8 + 18.0 * static_cast<double>(i);
        out << fmt::format(
            "<g class=\"legend\" font-size=\"11\"><rect x=\"{}\" y=\"{:.1f}\" width=\"10\" "
            "height=\"10\" fill=\"{}\"/><text x=\"{}\" "
            "y=\"{:.1f}\"><title>{}</title>{}</text></g>\n",
            kLeft + static_cast<int>(plot_w) + 10, y - 9, colour,
            kLeft + static_cast<int>(plot_w) + 24, y, html_escape(s.name),
            html_escape(shorten(s.name, 28)));
    }
    out << "</svg>\n";
}

}  // namespace portwatch::render
