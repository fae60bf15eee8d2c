// The report as Markdown for a ticket (evidence_renderer.h): the HTML file's sections in the
// same order, its tables as pipe tables, each chart as its points' summary (first, peak, last).

#include <fmt/format.h>

#include <algorithm>

#include "render/evidence_renderer.h"
#include "render/html_escape.h"

namespace portwatch::render {

namespace {

class MarkdownWriter {
  public:
    MarkdownWriter(std::ostream& out, const Evidence& e) : out_(out), e_(e) {}

    void write() {
        out_ << "# Ephemeral port exhaustion report: " << markdown_escape(e_.host) << "\n\n"
             << "- source: " << evidence_source_name(e_.source) << "\n"
             << "- window: " << markdown_escape(evidence_window(e_)) << "\n"
             << "- generated: " << markdown_escape(evidence_time(e_.generated_at)) << " by "
             << markdown_escape(e_.generator) << "\n";
        heading("verdict");
        out_ << "**" << (e_.unknown ? "UNKNOWN" : analyze::severity_name(e_.verdict)) << "**\n\n"
             << markdown_escape(e_.summary) << "\n";
        for (const auto* line : {&e_.breaks, &e_.forecast}) {
            if (!line->empty()) {
                out_ << "\n" << markdown_escape(*line) << "\n";
            }
        }
        heading("pools");
        chart(e_.pool_chart);
        table({"Pool", "Size", "Used now", "Now", "Peak used", "Peak at", "Worst"});
        for (const auto& p : e_.pools) {
            row({markdown_escape(p.name), std::to_string(p.size), std::to_string(p.used),
                 std::string(analyze::severity_name(p.severity)), std::to_string(p.peak_used),
                 evidence_time(p.peak_at), std::string(analyze::severity_name(p.worst))});
        }
        more(e_.more_pools, "pools");
        heading("culprits");
        if (!e_.culprits_note.empty()) {
            out_ << markdown_escape(e_.culprits_note) << "\n\n";
        }
        chart(e_.culprit_chart);
        table({"PID", "Process", "Sockets", "Peak", "ESTAB", "TIME_WAIT", "CLOSE_WAIT", "SYN_SENT",
               "Other", "Growth", "Destinations", "Mechanism", "Owner"});
        for (const auto& c : e_.culprits) {
            std::string destinations;
            for (const auto& d : c.destinations) {
                destinations += (destinations.empty() ? "" : ", ") + markdown_escape(d.endpoint) +
                                (d.count > 0 ? fmt::format(" ({})", d.count) : "");
            }
            std::string name = markdown_escape(culprit_name(c.pid, c.name));
            if (!c.cmdline.empty()) {
                name += "<br>" + markdown_escape(c.cmdline);
            }
            row({std::to_string(c.pid), name, std::to_string(c.sockets), std::to_string(c.peak),
                 std::to_string(c.established), std::to_string(c.time_wait),
                 std::to_string(c.close_wait), std::to_string(c.syn_sent), std::to_string(c.other),
                 markdown_escape(evidence_growth(c.per_hour)), destinations,
                 markdown_escape(c.mechanism), markdown_escape(c.attribution)});
        }
        more(e_.more_culprits, "processes");
        heading("failures");
        if (e_.source != EvidenceSource::History) {
            out_ << "Failed allocations are recorded by portwatch monitor; a report from its "
                    "history (`--from-history`) charts them.\n";
        } else if (!e_.failures_measured) {
            out_ << "Failed allocations were not measured: this history was recorded by the poll "
                    "source, which sees sockets, not refused calls (the eBPF source counts them: "
                    "`portwatch monitor --source ebpf`).\n";
        } else {
            chart(e_.failure_chart);
            out_ << e_.failures_total << " failed connect()/bind() calls in the window.\n";
            if (!e_.failures.empty()) {
                table({"Process", "Call", "Error", "Target", "Count", "First", "Last"});
                for (const auto& f : e_.failures) {
                    row({markdown_escape(f.process), markdown_escape(f.call),
                         markdown_escape(f.error), markdown_escape(f.target),
                         std::to_string(f.count), evidence_time(f.first), evidence_time(f.last)});
                }
                more(e_.more_failures, "groups");
            }
        }
        heading("crossings");
        if (e_.crossings.empty()) {
            out_ << "No pool changed severity in the window.\n";
        } else {
            table({"When", "Pool", "From", "To", "Used"});
            for (const auto& c : e_.crossings) {
                row({evidence_time(c.at), markdown_escape(c.pool), markdown_escape(c.from),
                     markdown_escape(c.to), fmt::format("{:.0f} %", c.utilisation * 100)});
            }
            more(e_.more_crossings, "crossings");
        }
        heading("host");
        facts(e_.host_facts);
        heading("remedy");
        if (e_.remedies.empty()) {
            out_ << "Nothing to change: no pool or limit is rated WARNING or worse.\n";
        }
        for (const auto& r : e_.remedies) {
            out_ << "**" << markdown_escape(r.label) << "**\n\n"
                 << markdown_escape(r.value) << "\n\n";
        }
        heading("method");
        facts(e_.method);
        if (!e_.warnings.empty()) {
            out_ << "\nPartial data:\n\n";
            for (const auto& w : e_.warnings) {
                out_ << "- " << markdown_escape(w) << "\n";
            }
        }
    }

  private:
    void heading(std::string_view id) {
        for (const auto& s : evidence_sections()) {
            if (s.id == id) {
                out_ << "\n## " << s.title << "\n\n";
            }
        }
    }
    void table(std::initializer_list<std::string_view> header) {
        columns_ = header.size();
        out_ << "\n|";
        for (auto h : header) {
            out_ << ' ' << h << " |";
        }
        out_ << "\n|";
        for (std::size_t i = 0; i < columns_; ++i) {
            out_ << "---|";
        }
        out_ << "\n";
    }
    void row(std::initializer_list<std::string> cells) {
        out_ << "|";
        for (const auto& c : cells) {
            out_ << ' ' << c << " |";
        }
        out_ << "\n";
    }
    void more(std::size_t n, std::string_view what) {
        if (n > 0) {
            out_ << "| and " << n << " more " << what << " |";
            for (std::size_t i = 1; i < columns_; ++i) {
                out_ << " |";
            }
            out_ << "\n";
        }
    }
    // A chart in words: per series its first, peak and last points.
    void chart(const Chart& c) {
        if (c.empty()) {
            out_ << "_No data for the chart \"" << markdown_escape(c.title) << "\"._\n";
            return;
        }
        out_ << markdown_escape(c.title) << " (" << markdown_escape(c.unit)
             << "; the HTML report draws it):\n\n";
        for (const auto& s : c.series) {
            if (s.points.empty()) {
                continue;
            }
            auto peak =
                std::max_element(s.points.begin(), s.points.end(),
                                 [](const auto& a, const auto& b) { return a.value < b.value; });
            out_ << "- " << markdown_escape(s.name)
                 << fmt::format(": {:g} at {}, peak {:g} at {}, {:g} at {} ({} points)\n",
                                s.points.front().value, evidence_time(s.points.front().at),
                                peak->value, evidence_time(peak->at), s.points.back().value,
                                evidence_time(s.points.back().at), s.points.size());
        }
    }
    void facts(const std::vector<EvidenceFact>& facts) {
        for (const auto& f : facts) {
            out_ << "- **" << markdown_escape(f.label) << "**: " << markdown_escape(f.value)
                 << "\n";
        }
    }

    std::ostream& out_;
    const Evidence& e_;
    std::size_t columns_ = 0;
};

class MarkdownRenderer final : public EvidenceRenderer {
  public:
    void render(std::ostream& out, const Evidence& evidence) const override {
        MarkdownWriter(out, evidence).write();
    }
};

}  // namespace

std::unique_ptr<EvidenceRenderer> make_evidence_markdown_renderer() {
    return std::make_unique<MarkdownRenderer>();
}

}  // namespace portwatch::render
