#include "export/exposition.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/text.h"

namespace portwatch::exporter {

namespace {

// The length of the valid UTF-8 sequence at the start of `s`, 0 when it is not one (overlong
// forms, surrogates and code points above U+10FFFF are not).
std::size_t utf8_sequence(std::string_view s) {
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        n = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4;
        cp = b0 & 0x07;
    } else {
        return 0;
    }
    if (s.size() < n) {
        return 0;
    }
    for (std::size_t i = 1; i < n; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

std::string escape(std::string_view text, bool quote) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const std::size_t n = utf8_sequence(text);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
            text.remove_prefix(1);
            continue;
        }
        if (n == 1) {
            const char c = text[0];
            if (c == '\\') {
                out += "\\\\";
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '"' && quote) {
                out += "\\\"";
            } else {
                out += c;
            }
        } else {
            out.append(text.substr(0, n));
        }
        text.remove_prefix(n);
    }
    return out;
}

// One media range of an Accept header: its type and q (1 when absent), and its version.
struct MediaRange {
    std::string_view type;
    std::string_view version;
    double q = 1;
};

MediaRange parse_media_range(std::string_view text) {
    MediaRange range;
    std::size_t semi = text.find(';');
    range.type = core::trim(text.substr(0, semi));
    while (semi != std::string_view::npos) {
        text.remove_prefix(semi + 1);
        semi = text.find(';');
        const std::string_view param = core::trim(text.substr(0, semi));
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        const std::string_view key = core::trim(param.substr(0, eq));
        const std::string_view value = core::trim(param.substr(eq + 1));
        if (key == "q") {
            double q = 0;
            const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
            range.q = ec == std::errc() ? q : 0;
        } else if (key == "version") {
            range.version = value;
        }
    }
    return range;
}

}  // namespace

Format negotiate(std::string_view accept) {
    double openmetrics = -1;
    double text = -1;
    while (!accept.empty()) {
        const std::size_t comma = accept.find(',');
        const MediaRange range = parse_media_range(accept.substr(0, comma));
        if (range.type == "application/openmetrics-text" &&
            (range.version.empty() || range.version == "1.0.0")) {
            openmetrics = std::max(openmetrics, range.q);
        } else if (range.type == "text/plain" || range.type == "*/*" || range.type == "text/*") {
            text = std::max(text, range.q);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        accept.remove_prefix(comma + 1);
    }
    return openmetrics > 0 && openmetrics >= text ? Format::OpenMetrics : Format::Text004;
}

std::string_view content_type(Format format) {
    return format == Format::OpenMetrics
               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
               : "text/plain; version=0.0.4; charset=utf-8";
}

void MetricSet::add(Metric metric, std::vector<std::string> labels, double value) {
    families_[static_cast<std::size_t>(metric)].push_back({std::move(labels), value});
}

const std::vector<Sample>& MetricSet::samples(Metric metric) const {
    return families_[static_cast<std::size_t>(metric)];
}

std::size_t MetricSet::series() const {
    std::size_t n = 0;
    for (const auto& family : families_) {
        n += family.size();
    }
    return n;
}

std::string escape_label_value(std::string_view value) {
    return escape(value, true);
}

std::string escape_help(std::string_view help, Format format) {
    // 0.0.4 escapes only backslash and newline in HELP; OpenMetrics the double quote too.
    return escape(help, format == Format::OpenMetrics);
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return std::to_string(static_cast<long long>(value));
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, ec == std::errc() ? end : buf);
}

void write_exposition(const MetricSet& set, Format format, std::ostream& out) {
    const bool om = format == Format::OpenMetrics;
    const auto table = metric_table();
    for (std::size_t i = 0; i < kMetricCount; ++i) {
        const auto metric = static_cast<Metric>(i);
        const auto& samples = set.samples(metric);
        if (samples.empty()) {
            continue;
        }
        const MetricSpec& s = table[i];
        // OpenMetrics names the family (counters without _total, info without _info); 0.0.4
        // has no info type and names the family as its samples.
        const std::string_view family = om ? family_name(s) : s.name;
        const std::string_view type =
            !om && s.type == MetricType::Info ? "gauge" : metric_type_name(s.type);
        out << "# HELP " << family << ' ' << escape_help(s.help, format) << '\n';
        out << "# TYPE " << family << ' ' << type << '\n';
        if (om && !s.unit.empty()) {
            out << "# UNIT " << family << ' ' << s.unit << '\n';
        }
        std::vector<std::string_view> names;
        for (std::string_view rest = s.labels; !rest.empty();) {
            const std::size_t comma = rest.find(',');
            names.push_back(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        for (const Sample& sample : samples) {
            out << s.name;
            bool first = true;
            for (std::size_t l = 0; l < names.size() && l < sample.labels.size(); ++l) {
                if (sample.labels[l].empty()) {
                    continue;  // an empty value is the same as no label
                }
                out << (first ? '{' : ',') << names[l] << "=\""
                    << escape_label_value(sample.labels[l]) << '"';
                first = false;
            }
            if (!first) {
                out << '}';
            }
            out << ' ' << format_value(sample.value) << '\n';
        }
    }
    if (om) {
        out << "# EOF\n";
    }
}

}  // namespace portwatch::exporter
