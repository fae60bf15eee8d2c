#include "app/cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "app/exit_code.h"

namespace portwatch::app {
namespace {

struct Parsed {
    std::expected<Cli, int> cli;
    std::string out, err;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "portwatch");
    std::ostringstream out, err;
    auto cli = parse_cli(args, out, err);
    return {std::move(cli), out.str(), err.str()};
}

const SnapshotOptions& snapshot(const Parsed& p) {
    return std::get<SnapshotOptions>(p.cli->command);
}

TEST(Cli, SnapshotDefaults) {
    auto p = parse({"snapshot"});
    ASSERT_TRUE(p.cli) << p.err;
    const auto& o = snapshot(p);
    EXPECT_EQ(o.format, render::Format::Table);
    EXPECT_TRUE(o.filter.tcp && o.filter.udp && o.filter.ipv4 && o.filter.ipv6);
    EXPECT_TRUE(o.live.owners);
    EXPECT_EQ(o.live.platform.owner_method, collect::OwnerMethod::Auto);
    EXPECT_EQ(o.sort, core::SortKey::None);
}

TEST(Cli, SnapshotFilters) {
    auto p = parse({"snapshot", "-t",       "-4",           "--state",  "TIME_WAIT,close-wait",
                    "--pid",    "1,2",      "--process",    "java",     "--port",
                    "445",      "--remote", "10.0.0.1:445", "--sort",   "remote",
                    "--json",   "--netns",  "blue",         "--owners", "proc"});
    ASSERT_TRUE(p.cli) << p.err;
    const auto& o = snapshot(p);
    EXPECT_TRUE(o.filter.tcp);
    EXPECT_FALSE(o.filter.udp);
    EXPECT_FALSE(o.live.udp);  // nothing asked of the kernel that will be filtered away
    EXPECT_FALSE(o.live.ipv6);
    EXPECT_EQ(o.filter.states,
              (std::vector<core::TcpState>{core::TcpState::TimeWait, core::TcpState::CloseWait}));
    EXPECT_EQ(o.filter.pids, (std::vector<std::int32_t>{1, 2}));
    EXPECT_EQ(o.filter.processes, (std::vector<std::string>{"java"}));
    EXPECT_EQ(o.filter.ports, (std::vector<std::uint16_t>{445}));
    EXPECT_EQ(o.filter.remote_port, 445);
    EXPECT_EQ(o.sort, core::SortKey::Remote);
    EXPECT_EQ(o.format, render::Format::Json);
    EXPECT_EQ(o.live.platform.netns, "blue");
    EXPECT_TRUE(o.live.owners);
    EXPECT_EQ(o.live.platform.owner_method, collect::OwnerMethod::Proc);
}

TEST(Cli, BadArgumentsExitTwoWithUsage) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"snapshot", "--bogus"},
                                               {"snapshot", "--state", "NOPE"},
                                               {"snapshot", "--remote", "nowhere"},
                                               {"snapshot", "--sort", "size"},
                                               {"snapshot", "--owners", "magic"},
                                               {"snapshot", "--json", "--csv"},
                                               {"snapshot", "--port", "70000"},
                                               {"snapshot", "--pid", "abc"},
                                               {"frobnicate"},
                                               {}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli);
        EXPECT_EQ(p.cli.error(), kExitUsage) << testing::PrintToString(args);
        EXPECT_FALSE(p.err.empty());
        EXPECT_TRUE(p.out.empty());
    }
}

TEST(Cli, ChecksAnswerBadArgumentsWithUnknown) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"diagnose", "--bogus"},
                                               {"diagnose", "--warning", "95", "--critical", "90"},
                                               {"analyze"},
                                               {"analyze", "--os", "beos", "x.txt"}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli);
        EXPECT_EQ(p.cli.error(), kExitUnknown) << testing::PrintToString(args);
        EXPECT_FALSE(p.err.empty());
    }
}

TEST(Cli, HelpAndVersionExitZero) {
    auto help = parse({"snapshot", "--help"});
    ASSERT_FALSE(help.cli);
    EXPECT_EQ(help.cli.error(), kExitOk);
    EXPECT_NE(help.out.find("EXAMPLES:"), std::string::npos);
    EXPECT_NE(help.out.find("--state"), std::string::npos);
    auto version = parse({"--version"});
    ASSERT_FALSE(version.cli);
    EXPECT_EQ(version.cli.error(), kExitOk);
    EXPECT_NE(version.out.find("portwatch"), std::string::npos);
}

}  // namespace
}  // namespace portwatch::app
