// `portwatch history` arguments: parsed strictly, ages resolved against the injected clock.

#include "app/history_command.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli.h"
#include "app/exit_code.h"
#include "store/paths.h"
#include "store/sqlite_store.h"
#include "unit/store/store_samples.h"

namespace portwatch::app {
namespace {

using store::testing::at_s;

std::expected<Cli, int> parse(std::vector<std::string> args, std::string* err = nullptr) {
    args.insert(args.begin(), {"portwatch", "history"});
    std::ostringstream out, e;
    auto cli = parse_cli(args, out, e);
    if (err != nullptr) {
        *err = e.str();
    }
    return cli;
}

TEST(HistoryArgs, Defaults) {
    auto cli = parse({});
    ASSERT_TRUE(cli);
    const auto& o = std::get<HistoryOptions>(cli->command);
    EXPECT_EQ(o.questions.size(), 6u);
    EXPECT_EQ(o.format, render::Format::Table);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(o.since));
    EXPECT_EQ(o.filter.limit, 20u);
    EXPECT_TRUE(o.db.empty());
}

TEST(HistoryArgs, EveryOption) {
    auto cli =
        parse({"failures", "--since", "90m", "--until", "2026-12-02T10:00:00+01:00", "--process",
               "nginx,42", "--pool", "10.0.0.5:443", "--db", "/x/h.db", "--limit", "0", "--csv"});
    ASSERT_TRUE(cli);
    const auto& o = std::get<HistoryOptions>(cli->command);
    ASSERT_EQ(o.questions.size(), 1u);
    EXPECT_EQ(o.questions[0], store::HistoryQuestion::Failures);
    EXPECT_EQ(std::get<std::chrono::seconds>(o.since), std::chrono::seconds(5400));
    EXPECT_EQ(std::get<core::TimePoint>(o.until), at_s(1796202000));  // 2026-12-02T09:00:00Z
    EXPECT_EQ(o.filter.processes, (std::vector<std::string>{"nginx", "42"}));
    EXPECT_EQ(o.filter.pool, "10.0.0.5:443");
    EXPECT_EQ(o.db, "/x/h.db");
    EXPECT_EQ(o.filter.limit, 0u);
    EXPECT_EQ(o.format, render::Format::Csv);
}

TEST(HistoryArgs, TimesAreStrict) {
    for (const char* good : {"1s", "30m", "1h", "7d", "2w", "2026-12-02T10:00:00Z",
                             "2026-12-02 10:00", "2026-12-02T10:00:00.5-05:30"}) {
        EXPECT_TRUE(parse_history_time(good)) << good;
    }
    for (const char* bad : {"", "0m", "1", "h", "1H", "1.5h", "-1h", "+1h", " 1h", "1h ", "1hh",
                            "2026-12-02", "2026-02-30T10:00Z", "2026-12-02T25:00Z",
                            " 2026-12-02T10:00Z", "2026-12-02T10:00Z ", "now"}) {
        EXPECT_FALSE(parse_history_time(bad)) << '"' << bad << '"';
    }
    std::string err;
    EXPECT_EQ(parse({"--json", "--csv"}, &err).error(), kExitUsage);
    EXPECT_EQ(parse({"--since", ""}, &err).error(), kExitUsage);
    EXPECT_NE(err.find("empty value"), std::string::npos) << err;
    EXPECT_EQ(parse({"summary", "--csv"}, &err).error(), kExitUsage);
}

TEST(HistoryRun, AgesCountBackFromTheInjectedClock) {
    store::testing::TempDir dir;
    const std::string path = dir.file("h.db");
    constexpr std::int64_t kNow = 1764583200;
    {
        core::FixedClock clock(at_s(kNow));
        auto db = store::open_history(path, store::OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        auto s = store::SqliteStore::create(std::move(*db), clock);
        ASSERT_TRUE(s);
        core::EventBatch batch;
        for (int minutes_ago : {120, 50, 20, 5}) {
            batch.ports.push_back(store::testing::opened(at_s(kNow - 60 * minutes_ago),
                                                         store::testing::maker(7, "app"),
                                                         40000 + minutes_ago, "10.0.0.2", 443));
        }
        ASSERT_TRUE(s->record(batch));
    }
    auto cli = parse({"processes", "--json", "--db", path, "--since", "1h", "--until", "10m"});
    ASSERT_TRUE(cli);
    auto options = std::get<HistoryOptions>(cli->command);
    core::FixedClock now(at_s(kNow));
    options.clock = &now;
    std::ostringstream out, err;
    ASSERT_EQ(run_history(options, out, err), kExitOk) << err.str();
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["since"], "2025-12-01T09:00:00Z");
    EXPECT_EQ(doc["until"], "2025-12-01T09:50:00Z");
    ASSERT_EQ(doc["processes"].size(), 1u);
    EXPECT_EQ(doc["processes"][0]["opened"], 2);  // 50 and 20 minutes ago
}

}  // namespace
}  // namespace portwatch::app
