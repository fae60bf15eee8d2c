#pragma once
// `portwatch history [QUESTION]`: what the monitor recorded, asked the way Port Reporter's
// parser was (ports per process, remote endpoints) and more (hours of the day, failed
// allocations, pool peaks, severity crossings). Reads the database without blocking the
// monitor that writes it.

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "render/snapshot_renderer.h"
#include "store/history_query.h"

namespace portwatch::app {

// A time as given: absolute, or an age before "now" (resolved by the command's clock).
using HistoryTime = std::variant<std::monostate, core::TimePoint, std::chrono::seconds>;

struct HistoryOptions {
    std::string db;  // empty: store::default_history_path()
    HistoryTime since, until;
    store::HistoryFilter filter;  // since/until filled in at run time
    std::vector<store::HistoryQuestion> questions;
    render::Format format = render::Format::Table;
    const core::Clock* clock = &core::system_clock();
};

struct HistoryArgs {
    std::string question = "summary";
    std::string since, until, pool, db;
    std::vector<std::string> processes;
    std::size_t limit = 20;
    bool json = false, csv = false;
};

CLI::App* add_history_command(CLI::App& app, HistoryArgs& args);
Result<HistoryOptions> finish_history_args(const HistoryArgs& args);
// "30m", "1h", "7d" (an age: digits then s, m, h, d or w), or an ISO time
// "2026-12-02T10:00:00Z" / "2026-12-02 10:00" (UTC) / "...+01:00".
Result<HistoryTime> parse_history_time(std::string_view text);
// The moment `t` names: itself, `now` minus an age, or none.
std::optional<core::TimePoint> resolve_history_time(const HistoryTime& t, core::TimePoint now);
int run_history(const HistoryOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
