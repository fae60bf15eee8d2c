#include "render/history_renderer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "render/csv_renderer.h"
#include "render/json_writer.h"
#include "render/utf8.h"
#include "store/errno_names.h"

namespace portwatch::render {

namespace {

using Row = std::vector<std::string>;

// Columns padded to their widest cell (terminal-safe text), the last one not padded.
void write_columns(std::ostream& out, const Row& header, const std::vector<Row>& rows) {
    std::vector<std::size_t> width(header.size(), 0);
    auto measure = [&](const Row& r) {
        for (std::size_t i = 0; i < r.size(); ++i) {
            width[i] = std::max(width[i], display_width(r[i]));
        }
    };
    measure(header);
    for (const auto& r : rows) {
        measure(r);
    }
    auto line = [&](const Row& r) {
        std::string text;
        for (std::size_t i = 0; i < r.size(); ++i) {
            text += r[i];
            if (i + 1 < r.size()) {
                text.append(width[i] - display_width(r[i]) + 2, ' ');
            }
        }
        while (!text.empty() && text.back() == ' ') {
            text.pop_back();
        }
        out << text << '\n';
    };
    line(header);
    for (const auto& r : rows) {
        line(r);
    }
}

std::string process_text(std::int32_t pid, std::string_view name) {
    if (pid == 0 && name.empty()) {
        return "(unknown)";
    }
    return terminal_safe(name);
}

std::string number(std::uint64_t n) {
    return std::to_string(n);
}

std::string percent(double utilisation) {
    return fmt::format("{:.1f}%", utilisation * 100);
}

std::string_view title(store::HistoryQuestion q) {
    switch (q) {
        case store::HistoryQuestion::Processes:
            return "Ports per process";
        case store::HistoryQuestion::Remotes:
            return "Remote endpoints contacted";
        case store::HistoryQuestion::Hours:
            return "Port use by hour of day (UTC)";
        case store::HistoryQuestion::Failures:
            return "Failed port allocations";
        case store::HistoryQuestion::Pools:
            return "Pools (per-minute peaks)";
        case store::HistoryQuestion::Crossings:
            return "Severity crossings";
    }
    return "";
}

// The header and rows of one question, every cell terminal-safe.
std::pair<Row, std::vector<Row>> table_of(const store::HistoryAnswer& a, store::HistoryQuestion q) {
    std::vector<Row> rows;
    switch (q) {
        case store::HistoryQuestion::Processes:
            for (const auto& p : a.processes) {
                rows.push_back({std::to_string(p.pid), process_text(p.pid, p.name),
                                number(p.opened), number(p.closed), number(p.distinct_ports),
                                number(p.exact), history_time(p.first), history_time(p.last),
                                terminal_safe(p.unit)});
            }
            return {
                {"PID", "PROCESS", "OPENED", "CLOSED", "PORTS", "EXACT", "FIRST", "LAST", "UNIT"},
                rows};
        case store::HistoryQuestion::Remotes:
            for (const auto& r : a.remotes) {
                rows.push_back({r.protocol, terminal_safe(history_endpoint(r.address, r.port)),
                                number(r.connections), number(r.processes),
                                terminal_safe(r.top_process), history_time(r.first),
                                history_time(r.last)});
            }
            return {{"PROTO", "REMOTE", "CONNECTIONS", "PROCESSES", "TOP PROCESS", "FIRST", "LAST"},
                    rows};
        case store::HistoryQuestion::Hours:
            for (const auto& h : a.hours) {
                rows.push_back(
                    {fmt::format("{:02d}:00", h.hour), number(h.opened), number(h.failures)});
            }
            return {{"HOUR", "OPENED", "FAILURES"}, rows};
        case store::HistoryQuestion::Failures:
            for (const auto& f : a.failures) {
                rows.push_back({std::to_string(f.pid), process_text(f.pid, f.name),
                                terminal_safe(f.call), store::linux_errno_name(f.error),
                                terminal_safe(history_endpoint(f.address, f.port)), number(f.count),
                                history_time(f.first), history_time(f.last)});
            }
            return {{"PID", "PROCESS", "CALL", "ERRNO", "DESTINATION", "COUNT", "FIRST", "LAST"},
                    rows};
        case store::HistoryQuestion::Pools:
            for (const auto& p : a.pools) {
                double u = p.size == 0 ? 0.0 : static_cast<double>(p.peak_used) / p.size;
                rows.push_back({terminal_safe(p.pool), terminal_safe(p.kind), number(p.size),
                                number(p.peak_used), percent(u), terminal_safe(p.worst_severity),
                                history_time(p.peak_at), number(p.minutes)});
            }
            return {{"POOL", "KIND", "SIZE", "PEAK USED", "PEAK", "WORST", "PEAK AT", "MINUTES"},
                    rows};
        case store::HistoryQuestion::Crossings:
            for (const auto& c : a.crossings) {
                rows.push_back({history_time(c.at), terminal_safe(c.pool), terminal_safe(c.from),
                                terminal_safe(c.to), percent(c.utilisation)});
            }
            return {{"AT", "POOL", "FROM", "TO", "UTILISATION"}, rows};
    }
    return {};
}

std::string window_text(const store::HistoryFilter& f) {
    std::string text = "History from " + (f.since ? history_time(*f.since) : "the start") + " to " +
                       (f.until ? history_time(*f.until) : "now");
    if (!f.processes.empty()) {
        text += ", processes: ";
        for (std::size_t i = 0; i < f.processes.size(); ++i) {
            text += i == 0 ? "" : ", ";
            text += terminal_safe(f.processes[i]);
        }
    }
    if (!f.pool.empty()) {
        text += ", pools matching '" + terminal_safe(f.pool) + "'";
    }
    return text;
}

}  // namespace

std::string history_time(core::TimePoint t) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", seconds);
}

std::string history_endpoint(std::string_view address, std::uint16_t port) {
    std::string host =
        address.empty() || address == "0.0.0.0" || address == "::" ? "*" : std::string(address);
    if (host.find(':') != std::string::npos) {
        host = "[" + host + "]";
    }
    return host + ":" + std::to_string(port);
}

void render_history_table(std::ostream& out, const store::HistoryAnswer& answer) {
    out << window_text(answer.filter) << '\n';
    for (auto q : answer.asked) {
        out << '\n' << title(q) << '\n';
        auto [header, rows] = table_of(answer, q);
        if (rows.empty()) {
            out << "  none recorded\n";
            continue;
        }
        write_columns(out, header, rows);
    }
}

void render_history_csv(std::ostream& out, const store::HistoryAnswer& answer) {
    if (answer.asked.size() != 1) {
        return;
    }
    // Cells are terminal-safe already (the table's text); csv_cell quotes and neutralises.
    auto [header, rows] = table_of(answer, answer.asked.front());
    auto line = [&](const Row& r) {
        std::string text;
        for (std::size_t i = 0; i < r.size(); ++i) {
            std::string name = r[i];
            if (&r == &header) {
                std::transform(name.begin(), name.end(), name.begin(), [](char c) {
                    return c == ' ' ? '_' : static_cast<char>(std::tolower(c));
                });
            }
            text += i == 0 ? "" : ",";
            text += csv_cell(name);
        }
        out << text << '\n';
    };
    line(header);
    for (const auto& r : rows) {
        line(r);
    }
}

void render_history_json(std::ostream& out, const store::HistoryAnswer& answer) {
    JsonWriter w(out);
    const auto& f = answer.filter;
    w.begin_object();
    w.key("since");
    f.since ? w.value(history_time(*f.since)) : w.null();
    w.key("until");
    f.until ? w.value(history_time(*f.until)) : w.null();
    w.key("processes_filter").begin_array();
    for (const auto& p : f.processes) {
        w.value(p);
    }
    w.end_array();
    w.key("pool_filter").value(f.pool);
    for (auto q : answer.asked) {
        w.key(store::question_name(q)).begin_array();
        switch (q) {
            case store::HistoryQuestion::Processes:
                for (const auto& p : answer.processes) {
                    w.begin_object();
                    w.key("pid").value(p.pid);
                    w.key("process").value(p.name);
                    w.key("unit").value(p.unit);
                    w.key("opened").value(p.opened);
                    w.key("closed").value(p.closed);
                    w.key("distinct_ports").value(p.distinct_ports);
                    w.key("exact").value(p.exact);
                    w.key("first").value(history_time(p.first));
                    w.key("last").value(history_time(p.last));
                    w.end_object();
                }
                break;
            case store::HistoryQuestion::Remotes:
                for (const auto& r : answer.remotes) {
                    w.begin_object();
                    w.key("protocol").value(r.protocol);
                    w.key("address").value(r.address);
                    w.key("port").value(r.port);
                    w.key("connections").value(r.connections);
                    w.key("processes").value(r.processes);
                    w.key("top_process").value(r.top_process);
                    w.key("first").value(history_time(r.first));
                    w.key("last").value(history_time(r.last));
                    w.end_object();
                }
                break;
            case store::HistoryQuestion::Hours:
                for (const auto& h : answer.hours) {
                    w.begin_object();
                    w.key("hour_utc").value(static_cast<std::int64_t>(h.hour));
                    w.key("opened").value(h.opened);
                    w.key("failures").value(h.failures);
                    w.end_object();
                }
                break;
            case store::HistoryQuestion::Failures:
                for (const auto& g : answer.failures) {
                    w.begin_object();
                    w.key("pid").value(g.pid);
                    w.key("process").value(g.name);
                    w.key("call").value(g.call);
                    w.key("errno").value(static_cast<std::int64_t>(g.error));
                    w.key("error").value(store::linux_errno_name(g.error));
                    w.key("address").value(g.address);
                    w.key("port").value(g.port);
                    w.key("count").value(g.count);
                    w.key("first").value(history_time(g.first));
                    w.key("last").value(history_time(g.last));
                    w.end_object();
                }
                break;
            case store::HistoryQuestion::Pools:
                for (const auto& p : answer.pools) {
                    w.begin_object();
                    w.key("pool").value(p.pool);
                    w.key("kind").value(p.kind);
                    w.key("size").value(p.size);
                    w.key("peak_used").value(p.peak_used);
                    w.key("peak_at").value(history_time(p.peak_at));
                    w.key("worst_severity").value(p.worst_severity);
                    w.key("minutes").value(p.minutes);
                    w.end_object();
                }
                break;
            case store::HistoryQuestion::Crossings:
                for (const auto& c : answer.crossings) {
                    w.begin_object();
                    w.key("at").value(history_time(c.at));
                    w.key("pool").value(c.pool);
                    w.key("from").value(c.from);
                    w.key("to").value(c.to);
                    w.key("utilisation").value(c.utilisation);
                    w.end_object();
                }
                break;
        }
        w.end_array();
    }
    w.end_object();
    w.newline();
}

}  // namespace portwatch::render
