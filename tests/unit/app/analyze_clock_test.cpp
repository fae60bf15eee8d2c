// A capture that carries no time (standard input, no '# taken at' line) is stamped by the
// clock the options give: tests fix "now".

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "app/analyze_command.h"
#include "core/clock.h"

namespace portwatch::app {
namespace {

TEST(AnalyzeClock, StandardInputWithoutATimeIsStampedByTheGivenClock) {
    core::FixedClock clock(core::TimePoint{std::chrono::seconds(1'764'547'200)});  // 2025-12-01
    AnalyzeOptions options;
    options.files = {"-"};
    options.json = true;
    options.clock = &clock;
    std::istringstream in(
        "Active Connections\n\n"
        "  Proto  Local Address          Foreign Address        State           PID\n"
        "  TCP    10.0.0.4:50000         10.0.0.9:445           ESTABLISHED     4\n");
    std::ostringstream out, err;
    run_analyze(options, in, out, err);
    auto doc = nlohmann::json::parse(out.str());
    const auto& snap = doc.at("captures").at(0).at("snapshots").at(0);
    EXPECT_EQ(snap.at("taken_at"), "2025-12-01T00:00:00.000Z") << out.str();
    EXPECT_EQ(snap.at("time_origin"), "time of reading (standard input has no time)");
}

}  // namespace
}  // namespace portwatch::app
