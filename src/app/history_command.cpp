#include "app/history_command.h"

#include <charconv>

#include "app/exit_code.h"
#include "capture/capture.h"
#include "render/history_renderer.h"
#include "render/utf8.h"
#include "store/paths.h"

namespace portwatch::app {

namespace {

constexpr std::string_view kQuestions =
    "summary, processes, remotes, hours, failures, pools or crossings";

std::optional<std::vector<store::HistoryQuestion>> parse_question(std::string_view name) {
    using Q = store::HistoryQuestion;
    if (name == "summary") {
        return std::vector<Q>{Q::Processes, Q::Remotes,   Q::Failures,
                              Q::Pools,     Q::Crossings, Q::Hours};
    }
    for (Q q : {Q::Processes, Q::Remotes, Q::Hours, Q::Failures, Q::Pools, Q::Crossings}) {
        if (name == store::question_name(q)) {
            return std::vector<Q>{q};
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<core::TimePoint> resolve_history_time(const HistoryTime& t, core::TimePoint now) {
    if (const auto* at = std::get_if<core::TimePoint>(&t)) {
        return *at;
    }
    if (const auto* age = std::get_if<std::chrono::seconds>(&t)) {
        return now - *age;
    }
    return std::nullopt;
}

Result<HistoryTime> parse_history_time(std::string_view text) {
    auto bad = [&] {
        return make_error(
            "expected an age like 30m, 1h, 7d or a time like 2026-12-02T10:00:00Z, "
            "got '" +
            std::string(text) + "'");
    };
    std::size_t digits = text.find_first_not_of("0123456789");
    if (digits != 0 && digits != std::string_view::npos && digits + 1 == text.size()) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
        if (ec != std::errc() || end != text.data() + digits || n <= 0) {
            return bad();
        }
        std::int64_t unit = 0;
        switch (text.back()) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            case 'w':
                unit = 7 * 86400;
                break;
            default:
                return bad();
        }
        constexpr std::int64_t kCentury = 100LL * 366 * 86400;
        if (n > kCentury / unit) {
            return make_error("'" + std::string(text) + "' is more than a century ago");
        }
        return HistoryTime{std::chrono::seconds(n * unit)};
    }
    // Absolute times: digits first, so " 2026-..." or "+1h" never reach the parser.
    if (text.empty() || text.front() < '0' || text.front() > '9' || text.back() == ' ') {
        return bad();
    }
    auto at = capture::parse_timestamp(text);
    if (!at) {
        return bad();
    }
    return HistoryTime{*at};
}

CLI::App* add_history_command(CLI::App& app, HistoryArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "history",
        "What the monitor recorded: ports per process, remote endpoints, hours of "
        "the day, failed allocations, pool peaks and severity crossings");
    cmd->add_option("question", a.question, std::string("what to show: ") + std::string(kQuestions))
        ->capture_default_str();
    cmd->add_option("--since", a.since,
                    "from this time on: an age (30m, 1h, 7d, 2w) or an ISO time "
                    "(2026-12-02T10:00:00Z; UTC without an offset)");
    cmd->add_option("--until", a.until, "up to this time (same forms as --since)");
    cmd->add_option("--process", a.processes, "only these processes: names or pids")
        ->delimiter(',');
    cmd->add_option("--pool", a.pool, "pools and crossings of pools whose name contains this");
    cmd->add_option("--limit", a.limit, "rows per question, most first (0: all)")
        ->capture_default_str();
    cmd->add_option("--db", a.db,
                    "the history database (default: /var/lib/portwatch/history.db as root, "
                    "else $XDG_STATE_HOME/portwatch/history.db)");
    auto* json = cmd->add_flag("--json", a.json, "one JSON document");
    auto* csv = cmd->add_flag("--csv", a.csv, "CSV with a header row (one question)");
    json->excludes(csv);
    cmd->footer(R"(EXAMPLES:
  portwatch history                            every question over all the history
  portwatch history processes --since 1h       ports each process took in the last hour
  portwatch history remotes --process nginx    where nginx connected, most first
  portwatch history failures --since 2026-12-01T08:00:00Z --until 2026-12-01T09:00:00Z
  portwatch history crossings --pool 10.0.0.5:443 --json
  portwatch history hours --csv > by-hour.csv

Times are UTC. The history is what `portwatch monitor` recorded; reading it never blocks
the monitor.)");
    return cmd;
}

Result<HistoryOptions> finish_history_args(const HistoryArgs& a) {
    HistoryOptions o;
    auto questions = parse_question(a.question);
    if (!questions) {
        return make_error("unknown question '" + a.question + "' (" + std::string(kQuestions) +
                          ")");
    }
    o.questions = std::move(*questions);
    if (a.csv && o.questions.size() != 1) {
        return make_error(
            "--csv prints one question: name it (processes, remotes, hours, "
            "failures, pools or crossings)");
    }
    for (const auto& [name, text, into] :
         {std::tuple{"--since", &a.since, &o.since}, std::tuple{"--until", &a.until, &o.until}}) {
        if (text->empty()) {
            continue;
        }
        auto t = parse_history_time(*text);
        if (!t) {
            return std::unexpected(with_context(t.error(), name));
        }
        *into = *t;
    }
    for (const auto& p : a.processes) {
        if (p.empty()) {
            return make_error("--process: empty name");
        }
    }
    o.filter.processes = a.processes;
    o.filter.pool = a.pool;
    o.filter.limit = a.limit;
    o.db = a.db;
    o.format = a.json ? render::Format::Json : a.csv ? render::Format::Csv : render::Format::Table;
    return o;
}

int run_history(const HistoryOptions& options, std::ostream& out, std::ostream& err) {
    auto fail = [&](std::string_view message) {
        err << "portwatch: history: " << render::terminal_safe(message) << '\n';
        return kExitFailure;
    };
    const core::TimePoint now = options.clock->now();
    store::HistoryFilter filter = options.filter;
    filter.since = resolve_history_time(options.since, now);
    filter.until = resolve_history_time(options.until, now);
    if (filter.since && filter.until && *filter.since >= *filter.until) {
        return fail("--since (" + render::history_time(*filter.since) +
                    ") is not before --until (" + render::history_time(*filter.until) + ")");
    }
    std::string path = options.db;
    if (path.empty()) {
        auto p = store::default_history_path();
        if (!p) {
            return fail(p.error().message);
        }
        path = std::move(*p);
    }
    auto db = store::open_history(path, store::OpenMode::ReadOnly);
    if (!db) {
        if (db.error().kind == ErrorKind::NotFound) {
            return fail("no history at " + path +
                        " (`portwatch monitor` records it; --db PATH reads another)");
        }
        return fail(db.error().message);
    }
    auto answer = store::ask(*db, filter, options.questions);
    if (!answer) {
        return fail(answer.error().message);
    }
    switch (options.format) {
        case render::Format::Json:
            render::render_history_json(out, *answer);
            break;
        case render::Format::Csv:
            render::render_history_csv(out, *answer);
            break;
        case render::Format::Table:
            render::render_history_table(out, *answer);
            break;
    }
    return kExitOk;
}

}  // namespace portwatch::app
