#pragma once
// The Prometheus exposition: samples grouped by family (export/metrics.h), written as the text
// format 0.0.4 or, when the scraper's Accept header asks for it, OpenMetrics 1.0, to an
// injected std::ostream&. Label values and HELP text are escaped (\\, \", \n) and made valid
// UTF-8, so hostile process names cannot break a line or a scrape.

#include <array>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "export/metrics.h"

namespace portwatch::exporter {

enum class Format : unsigned char { Text004, OpenMetrics };

// Chooses the format from an HTTP Accept header: OpenMetrics when it lists
// application/openmetrics-text with a q above the text format's, else text 0.0.4.
Format negotiate(std::string_view accept);
std::string_view content_type(Format format);

struct Sample {
    std::vector<std::string> labels;  // values, in the order the family's spec names them
    double value = 0;
};

class MetricSet {
  public:
    // `labels` must have as many values as the family has label names.
    void add(Metric metric, std::vector<std::string> labels, double value);
    const std::vector<Sample>& samples(Metric metric) const;
    std::size_t series() const;  // samples over every family

  private:
    std::array<std::vector<Sample>, kMetricCount> families_;
};

// Every family with at least one sample, in table order, HELP and TYPE first (and UNIT in
// OpenMetrics, which ends with "# EOF").
void write_exposition(const MetricSet& set, Format format, std::ostream& out);

// A label value or HELP text escaped for the exposition: invalid UTF-8 becomes U+FFFD, then
// backslash, newline (and, for label values, the double quote) are escaped.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help, Format format);
// A sample value: integers without a fraction, NaN, +Inf, -Inf as Prometheus spells them.
std::string format_value(double value);

}  // namespace portwatch::exporter
