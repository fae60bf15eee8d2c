#include "render/history_renderer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace portwatch::render {
namespace {

core::TimePoint at_s(std::int64_t s) {
    return core::TimePoint(std::chrono::seconds(s));
}

store::HistoryAnswer answer() {
    store::HistoryAnswer a;
    a.asked = {store::HistoryQuestion::Failures, store::HistoryQuestion::Crossings};
    a.filter.since = at_s(1764583200);
    a.filter.processes = {"ngin\x1bx"};
    store::FailureGroup f;
    f.pid = 12;
    f.name = "java";
    f.call = "connect";
    f.error = 99;
    f.address = "2001:db8::1";
    f.port = 443;
    f.count = 1234;
    f.first = at_s(1764583200);
    f.last = at_s(1764583260);
    store::FailureGroup unknown = f;
    unknown.pid = 0;
    unknown.name = "";
    unknown.error = 4242;
    unknown.address = "0.0.0.0";
    unknown.count = 1;
    a.failures = {f, unknown};
    a.crossings = {
        {at_s(1764583230), "tcp-connect 10.0.0.1 -> 10.0.0.2:443", "WARNING", "CRITICAL", 0.905}};
    return a;
}

TEST(HistoryRenderer, TableAlignsColumnsAndNamesTheWindow) {
    std::ostringstream out;
    render_history_table(out, answer());
    EXPECT_EQ(out.str(),
              "History from 2025-12-01T10:00:00Z to now, processes: ngin\\x1bx\n"
              "\n"
              "Failed port allocations\n"
              "PID  PROCESS    CALL     ERRNO          DESTINATION        COUNT  FIRST         "
              "        LAST\n"
              "12   java       connect  EADDRNOTAVAIL  [2001:db8::1]:443  1234   "
              "2025-12-01T10:00:00Z  2025-12-01T10:01:00Z\n"
              "0    (unknown)  connect  4242           *:443              1      "
              "2025-12-01T10:00:00Z  2025-12-01T10:01:00Z\n"
              "\n"
              "Severity crossings\n"
              "AT                    POOL                                  FROM     TO        "
              "UTILISATION\n"
              "2025-12-01T10:00:30Z  tcp-connect 10.0.0.1 -> 10.0.0.2:443  WARNING  CRITICAL  "
              "90.5%\n");
}

TEST(HistoryRenderer, CsvIsOneQuestionWithSnakeCaseHeader) {
    auto a = answer();
    a.asked = {store::HistoryQuestion::Crossings};
    std::ostringstream out;
    render_history_csv(out, a);
    EXPECT_EQ(out.str(),
              "at,pool,from,to,utilisation\n"
              "2025-12-01T10:00:30Z,tcp-connect 10.0.0.1 -> 10.0.0.2:443,WARNING,CRITICAL,90.5%\n");
}

TEST(HistoryRenderer, JsonHoldsOnlyTheQuestionsAsked) {
    std::ostringstream out;
    render_history_json(out, answer());
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["since"], "2025-12-01T10:00:00Z");
    EXPECT_TRUE(doc["until"].is_null());
    EXPECT_EQ(doc["processes_filter"][0], "ngin\x1bx");
    ASSERT_EQ(doc["failures"].size(), 2u);
    EXPECT_EQ(doc["failures"][0]["errno"], 99);
    EXPECT_EQ(doc["failures"][0]["error"], "EADDRNOTAVAIL");
    EXPECT_EQ(doc["failures"][1]["error"], "4242");
    EXPECT_DOUBLE_EQ(doc["crossings"][0]["utilisation"].get<double>(), 0.905);
    EXPECT_FALSE(doc.contains("processes"));
    EXPECT_FALSE(doc.contains("hours"));
}

}  // namespace
}  // namespace portwatch::render
