// `portwatch history` on a database the test fills: every output form, the filters, the
// errors a user meets, and process names that cannot corrupt the table, CSV or JSON.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/paths.h"
#include "store/sqlite_store.h"
#include "support/process.h"
#include "unit/store/store_samples.h"

namespace portwatch::store {
namespace {

using testing::at_s;
using testing::maker;
using testing::opened;

constexpr std::int64_t kT0 = 1764583200;  // 2025-12-01T10:00:00Z

class HistoryCli : public ::testing::Test {
  protected:
    void SetUp() override {
        core::FixedClock clock(at_s(kT0));
        auto db = open_history(path_, OpenMode::ReadWrite);
        ASSERT_TRUE(db) << db.error().message;
        auto store = SqliteStore::create(std::move(*db), clock);
        ASSERT_TRUE(store);
        core::EventBatch batch;
        for (int i = 0; i < 12; ++i) {
            batch.ports.push_back(
                opened(at_s(kT0 + i), maker(100, "nginx"), 40000 + i, "10.0.0.2", 443));
        }
        for (int i = 0; i < 3; ++i) {  // an hour later, a name with an escape sequence
            batch.ports.push_back(opened(at_s(kT0 + 3600 + i), maker(666, "=cmd\x1b[2J,x"),
                                         50000 + i, "2001:db8::1", 80));
        }
        batch.failures.push_back(
            testing::failed(at_s(kT0 + 30), maker(100, "nginx"), 99, "10.0.0.2", 443));
        ASSERT_TRUE(store->record(batch));
        ASSERT_TRUE(store->record_crossing(
            {at_s(kT0 + 60), "tcp-connect 10.0.0.1 -> 10.0.0.2:443", "OK", "WARNING", 0.71}));
        ASSERT_TRUE(store->flush());
    }

    portwatch::testing::CommandResult history(std::vector<std::string> args) {
        args.insert(args.begin(), {PORTWATCH_BINARY, "history", "--db", path_});
        return portwatch::testing::run_argv(args);
    }

    testing::TempDir dir_;
    std::string path_ = dir_.file("history.db");
};

TEST_F(HistoryCli, SummaryTableHasEverySectionAndNoRawEscapes) {
    auto r = history({});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    for (const char* part :
         {"History from the start to now", "Ports per process", "Remote endpoints contacted",
          "Failed port allocations", "Severity crossings", "Port use by hour of day (UTC)", "nginx",
          "10.0.0.2:443", "[2001:db8::1]:80", "EADDRNOTAVAIL", "2025-12-01T10:01:00Z", "WARNING",
          "71.0%"}) {
        EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
    }
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
    EXPECT_NE(r.out.find("=cmd\\x1b[2J,x"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Pools (per-minute peaks)\n  none recorded"), std::string::npos);
}

TEST_F(HistoryCli, ProcessesAsJsonWithAWindow) {
    auto r = history(
        {"processes", "--json", "--since", "2025-12-01T10:00:05Z", "--until", "2025-12-01T10:30"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["since"], "2025-12-01T10:00:05Z");
    EXPECT_EQ(doc["until"], "2025-12-01T10:30:00Z");
    ASSERT_EQ(doc["processes"].size(), 1u);
    EXPECT_EQ(doc["processes"][0]["process"], "nginx");
    EXPECT_EQ(doc["processes"][0]["opened"], 7);  // 10:00:05 .. 10:00:11
    EXPECT_FALSE(doc.contains("remotes"));
    auto all = nlohmann::json::parse(history({"--json"}).out);
    EXPECT_EQ(all["processes"][1]["process"], "=cmd\x1b[2J,x");  // JSON keeps it, escaped
    EXPECT_EQ(all["hours"].size(), 24u);
}

TEST_F(HistoryCli, RemotesAsCsvFilteredByProcess) {
    auto r = history({"remotes", "--csv", "--process", "666"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "proto,remote,connections,processes,top_process,first,last\n"
              "tcp,[2001:db8::1]:80,3,1,\"'=cmd\\x1b[2J,x\",2025-12-01T11:00:00Z,"
              "2025-12-01T11:00:02Z\n");
    auto nginx = history({"failures", "--csv", "--process", "nginx"});
    ASSERT_EQ(nginx.code, 0) << nginx.err;
    EXPECT_NE(nginx.out.find("100,nginx,connect,EADDRNOTAVAIL,10.0.0.2:443,1,"), std::string::npos)
        << nginx.out;
}

TEST_F(HistoryCli, PoolFilterAndLimit) {
    auto none = history({"crossings", "--pool", "udp-local"});
    ASSERT_EQ(none.code, 0) << none.err;
    EXPECT_NE(none.out.find("none recorded"), std::string::npos) << none.out;
    auto one = history({"processes", "--limit", "1", "--csv"});
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 2) << one.out;
}

TEST_F(HistoryCli, BadArgumentsAreOneLineUsageErrors) {
    struct Case {
        std::vector<std::string> args;
        const char* says;
    };
    for (const Case& c : std::vector<Case>{
             {{"--since", "yesterday"}, "portwatch: --since: expected an age like 30m"},
             {{"--since", "0h"}, "portwatch: --since: expected an age"},
             {{"--until", "2025-13-01T00:00Z"}, "portwatch: --until: expected"},
             {{"--since", "5x"}, "portwatch: --since: expected"},
             {{"--since", "99999999999w"},
              "portwatch: --since: '99999999999w' is more than a century ago"},
             {{"--csv"}, "portwatch: --csv prints one question"},
             {{"leaks"}, "portwatch: unknown question 'leaks'"},
             {{"--limit", "-1"}, "portwatch: --limit"},
         }) {
        auto r = history(c.args);
        EXPECT_EQ(r.code, 2) << c.args[0];
        EXPECT_TRUE(r.out.empty());
        EXPECT_EQ(r.err.rfind(c.says, 0), 0u) << r.err;
        EXPECT_NE(r.err.find("Run `portwatch history --help`"), std::string::npos) << r.err;
    }
}

TEST_F(HistoryCli, DataErrorsExitOne) {
    auto backwards = history({"--since", "2025-12-02T00:00Z", "--until", "2025-12-01T00:00Z"});
    EXPECT_EQ(backwards.code, 1);
    EXPECT_EQ(backwards.err.rfind("portwatch: history: --since (2025-12-02T00:00:00Z) is not "
                                  "before --until",
                                  0),
              0u)
        << backwards.err;
    auto missing = portwatch::testing::run_argv(
        {PORTWATCH_BINARY, "history", "--db", dir_.file("nothing/here.db")});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("no history at"), std::string::npos) << missing.err;
    EXPECT_TRUE(missing.out.empty());
}

}  // namespace
}  // namespace portwatch::store
