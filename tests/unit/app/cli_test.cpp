#include "app/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "app/exit_code.h"
#include "capture/capture.h"

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

// Every option that takes a value refuses an empty one, however it is written, instead of
// reading it as the default (`--netns ""` was this namespace, `--range ""` the capture's).
TEST(Cli, EmptyValuesAreRefusedForEveryOption) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> options = {
        {"snapshot",
         {"--state", "--pid", "--process", "--port", "--remote", "--sort", "--netns", "--owners",
          "--source"}},
        {"diagnose",
         {"--netns", "--warning", "--critical", "--pools", "--top", "--owners", "--source"}},
        {"analyze",
         {"--range", "--os", "--at", "--code-page", "--warning", "--critical", "--pools", "--top",
          "--max-sockets"}},
        {"lab", {"--range"}},
        {"monitor",
         {"--source", "--interval", "--netns", "--alert-below", "--on-alert", "--alert-timeout",
          "--db", "--duration", "--status-every", "--warning", "--critical", "--top", "--owners"}},
        {"top", {"--interval", "--netns", "--source", "--owners", "--sort", "--iterations"}},
    };
    for (const auto& [command, names] : options) {
        for (const auto& name : names) {
            for (auto args : std::vector<std::vector<std::string>>{{command, name, ""},
                                                                   {command, name + "="}}) {
                if (command == "analyze") {
                    args.push_back("x.txt");
                }
                auto p = parse(args);
                ASSERT_FALSE(p.cli) << testing::PrintToString(args);
                EXPECT_NE(p.cli.error(), kExitOk);
                EXPECT_EQ(p.err, "portwatch: " + name + ": empty value\nRun `portwatch " + command +
                                     " --help` for usage.\n")
                    << testing::PrintToString(args);
            }
        }
    }
    // A list of only separators is empty too (CLI11 took the next word as the value).
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"snapshot", "--state", ",", "--json"}, {"snapshot", "--state=,,", "--json"}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli) << testing::PrintToString(args);
        EXPECT_EQ(p.err.rfind("portwatch: --state: empty value\n", 0), 0u) << p.err;
    }
    for (const auto& args : std::vector<std::vector<std::string>>{{"analyze", ""}, {"lab", ""}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli);
        EXPECT_NE(p.err.find(": empty value"), std::string::npos) << p.err;
    }
}

// strtoull would read "-1" as 2^64-1: no number option wraps, with a space or with '='.
TEST(Cli, NegativeNumbersNeverWrap) {
    for (const auto& [command, name] :
         std::vector<std::pair<std::string, std::string>>{{"analyze", "--max-sockets"},
                                                          {"analyze", "--top"},
                                                          {"analyze", "--pools"},
                                                          {"diagnose", "--top"},
                                                          {"snapshot", "--pid"},
                                                          {"snapshot", "--port"},
                                                          {"lab", "--range"}}) {
        for (const auto& value : {"-1", "-5", "-6"}) {
            std::vector<std::string> spaced_args{command, name, value};
            std::vector<std::string> joined_args{command, name + "=" + value};
            if (command == "analyze") {
                spaced_args.push_back("x.txt");
                joined_args.push_back("x.txt");
            }
            auto spaced = parse(spaced_args);
            auto joined = parse(joined_args);
            ASSERT_FALSE(spaced.cli) << command << ' ' << name << ' ' << value;
            ASSERT_FALSE(joined.cli) << command << ' ' << name << '=' << value;
            EXPECT_EQ(spaced.err, joined.err);  // --opt=value and --opt value agree
            EXPECT_NE(spaced.err.find(name + ": expected a whole number"), std::string::npos)
                << spaced.err;
        }
    }
    auto zero_pid = parse({"snapshot", "--pid", "0"});
    ASSERT_FALSE(zero_pid.cli);
    EXPECT_NE(zero_pid.err.find("0 is not a process id"), std::string::npos);
}

TEST(Cli, NumbersAreDecimal) {
    auto p = parse({"snapshot", "--port", "010,0443"});  // strtoull(base 0) read 010 as 8
    ASSERT_TRUE(p.cli) << p.err;
    EXPECT_EQ(snapshot(p).filter.ports, (std::vector<std::uint16_t>{10, 443}));
    for (const char* bad : {"0x10", "1e3", " 5", "+5", "99999999999999999999999"}) {
        auto q = parse({"analyze", "--max-sockets", bad, "x.txt"});
        EXPECT_FALSE(q.cli) << bad;
    }
    auto big = parse({"snapshot", "--port", "70000"});
    EXPECT_FALSE(big.cli);
}

TEST(Cli, OptionValueSpellingsAgree) {
    auto spaced = parse({"snapshot", "--netns", "blue", "--sort", "remote", "--port", "80"});
    auto joined = parse({"snapshot", "--netns=blue", "--sort=remote", "--port=80"});
    ASSERT_TRUE(spaced.cli && joined.cli);
    EXPECT_EQ(snapshot(spaced).live.platform.netns, snapshot(joined).live.platform.netns);
    EXPECT_EQ(snapshot(spaced).sort, snapshot(joined).sort);
    EXPECT_EQ(snapshot(spaced).filter.ports, snapshot(joined).filter.ports);
}

TEST(Cli, UsageErrorIsOneLineAndAPointerToHelp) {
    for (const auto& [args, first, code] :
         std::vector<std::tuple<std::vector<std::string>, std::string, int>>{
             {{"snapshot", "--state", "FROZEN"}, "portwatch: unknown state 'FROZEN'", kExitUsage},
             {{"snapshot", "--frobnicate"},
              "portwatch: The following argument was not expected",
              kExitUsage},
             {{"diagnose", "--warning", "95", "--critical", "90"},
              "portwatch: thresholds",
              kExitUnknown},
             {{"analyze", "--os", "beos", "x.txt"}, "portwatch: --os must be", kExitUnknown}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli);
        EXPECT_EQ(p.cli.error(), code);
        EXPECT_EQ(p.err.rfind(first, 0), 0u) << p.err;
        EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 2) << p.err;
        EXPECT_NE(p.err.find("\nRun `portwatch " + args[0] + " --help` for usage.\n"),
                  std::string::npos)
            << p.err;
        EXPECT_EQ(p.err.find("Options:"), std::string::npos) << "the whole help was printed";
    }
}

TEST(Cli, TopOptions) {
    auto p = parse({"top"});
    ASSERT_TRUE(p.cli) << p.err;
    const auto& d = std::get<TopOptions>(p.cli->command);
    EXPECT_EQ(d.monitor.interval, std::chrono::milliseconds(1000));
    EXPECT_EQ(d.monitor.source, collect::EventSourceKind::Auto);
    EXPECT_EQ(d.view.sort, tui::SortKey::Ports);
    EXPECT_FALSE(d.iterations);
    EXPECT_FALSE(d.batch);

    p = parse({"top", "-d", "0.5", "--netns", "blue", "--source", "poll", "--sort", "time-wait",
               "-n", "3"});
    ASSERT_TRUE(p.cli) << p.err;
    const auto& o = std::get<TopOptions>(p.cli->command);
    EXPECT_EQ(o.monitor.interval, std::chrono::milliseconds(500));
    EXPECT_EQ(o.view.interval, std::chrono::milliseconds(500));
    EXPECT_EQ(o.monitor.live.platform.netns, "blue");
    EXPECT_EQ(o.monitor.source, collect::EventSourceKind::Poll);
    EXPECT_EQ(o.view.sort, tui::SortKey::TimeWait);
    EXPECT_EQ(o.iterations, 3u);
    EXPECT_FALSE(o.batch);

    for (const auto& [text, ms] : std::vector<std::pair<std::string, int>>{
             {"2", 2000}, {"0.25", 250}, {"500ms", 500}, {"2s", 2000}, {"1m", 60000}}) {
        auto i = parse({"top", "--interval", text});
        ASSERT_TRUE(i.cli) << text << ": " << i.err;
        EXPECT_EQ(std::get<TopOptions>(i.cli->command).monitor.interval,
                  std::chrono::milliseconds(ms))
            << text;
    }
    for (const char* bad : {"50ms", "2h", "3601"}) {
        auto i = parse({"top", "--interval", bad});
        EXPECT_FALSE(i.cli) << bad;
    }

    p = parse({"top", "--once"});
    ASSERT_TRUE(p.cli) << p.err;
    EXPECT_EQ(std::get<TopOptions>(p.cli->command).iterations, 1u);
    EXPECT_TRUE(std::get<TopOptions>(p.cli->command).batch);

    for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"top", "--interval", "0.05"}, "--interval: 0.1 to 3600 seconds"},
             {{"top", "--interval", "1e3"}, "--interval: 0.1 to 3600 seconds"},
             {{"top", "--interval", "nan"}, "--interval: 0.1 to 3600 seconds"},
             {{"top", "--source", "kprobe"}, "--source must be auto, ebpf or poll"},
             {{"top", "--sort", "size"}, "--sort must be ports, time-wait, failures, name or pid"},
             {{"top", "-n", "0"}, "-n/--iterations: at least 1"},
             {{"top", "-n", "-1"}, "expected a whole number"},
             {{"top", "--once", "-n", "2"}, "--once and -n 2 disagree"},
             {{"top", "--owners", "maybe"}, "--owners must be auto, proc, bpf or none"},
         }) {
        auto bad = parse(args);
        ASSERT_FALSE(bad.cli) << testing::PrintToString(args);
        EXPECT_EQ(bad.cli.error(), kExitUsage);
        EXPECT_NE(bad.err.find(says), std::string::npos) << bad.err;
        EXPECT_NE(bad.err.find("Run `portwatch top --help` for usage."), std::string::npos)
            << bad.err;
    }
    auto help = parse({"top", "--help"});
    ASSERT_FALSE(help.cli);
    EXPECT_EQ(help.cli.error(), kExitOk);
    for (const char* part : {"Usage: portwatch top", "--interval", "--netns", "--source",
                             "--iterations", "--once", "--sort", "KEYS", "EXAMPLES:"}) {
        EXPECT_NE(help.out.find(part), std::string::npos) << part;
    }
}

TEST(Cli, UnknownCommandSaysSo) {
    auto p = parse({"frobnicate", "--json"});
    ASSERT_FALSE(p.cli);
    EXPECT_EQ(p.cli.error(), kExitUsage);
    EXPECT_EQ(p.err,
              "portwatch: unknown command 'frobnicate' (snapshot, diagnose, analyze, lab, history, "
              "report, monitor, top or exporter)\n"
              "Run `portwatch --help` for usage.\n");
    auto none = parse({});
    ASSERT_FALSE(none.cli);
    EXPECT_EQ(none.cli.error(), kExitUsage);
    EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 2) << none.err;
}

// Text echoed back on stderr is escaped like the output: it cannot drive the terminal.
TEST(Cli, EchoedValuesAreTerminalSafe) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"snapshot", "--state", "x\x1b[2J\u202e"},
                                               {"snapshot", "--sort", "x\x1b[2J\u202e"},
                                               {"analyze", "--os", "x\x1b[2J\u202e", "f"},
                                               {"analyze", "--at", "x\x1b[2J\u202e", "f"},
                                               {"lab", "x\x1b[2J\u202e"},
                                               {"snapshot", "--remote", "x\x1b[2J\u202e"},
                                               {"snapshot", "--max-sockets", "\x1b"},
                                               {"analyze", "--max-sockets", "\x1b", "f"},
                                               {"x\x1b[2J\u202e"}}) {
        auto p = parse(args);
        ASSERT_FALSE(p.cli);
        EXPECT_EQ(p.err.find('\x1b'), std::string::npos) << p.err;
        EXPECT_EQ(p.err.find("\u202e"), std::string::npos) << p.err;
    }
}

// system_clock holds 1677-2262 in nanoseconds: a year outside is refused, not wrapped (9999
// came out as 1816).
TEST(Cli, DatesOutsideTheClockAreRefused) {
    for (const char* when : {"9999-01-01T00:00Z", "2263-01-01T00:00Z", "1600-01-01T00:00Z"}) {
        auto p = parse({"analyze", "--at", when, "x.txt"});
        ASSERT_FALSE(p.cli) << when;
        EXPECT_EQ(p.cli.error(), kExitUnknown);
        EXPECT_FALSE(capture::parse_timestamp(when)) << when;
    }
    auto ok = capture::parse_timestamp("2262-04-11T00:00Z");
    ASSERT_TRUE(ok);
    EXPECT_GT(ok->time_since_epoch().count(), 0);
    EXPECT_TRUE(capture::parse_timestamp("1677-09-22T00:00Z"));
}

}  // namespace
}  // namespace portwatch::app

namespace portwatch::app {
namespace {

TEST(Cli, MonitorOptions) {
    auto p = parse({"monitor", "--source", "poll", "--interval", "500ms", "--netns", "blue",
                    "--alert-below", "30m", "--on-alert", "logger", "--duration", "2m", "--no-db",
                    "--json", "--warning", "60", "--critical", "80"});
    ASSERT_TRUE(p.cli) << p.err;
    const auto& o = std::get<MonitorCommandOptions>(p.cli->command);
    EXPECT_EQ(o.monitor.source, collect::EventSourceKind::Poll);
    EXPECT_EQ(o.monitor.interval, std::chrono::milliseconds(500));
    EXPECT_EQ(o.monitor.live.platform.netns, "blue");
    EXPECT_EQ(o.monitor.alert_below, std::chrono::seconds(1800));
    EXPECT_EQ(o.monitor.on_alert, "logger");
    ASSERT_TRUE(o.monitor.alert_json);
    EXPECT_EQ(o.duration, std::chrono::milliseconds(120000));
    EXPECT_TRUE(o.no_db);
    EXPECT_TRUE(o.json);
    EXPECT_DOUBLE_EQ(o.monitor.thresholds.warning, 0.6);
    EXPECT_EQ(write_error_code(*p.cli), kExitFailure);

    auto d = parse({"monitor"});
    ASSERT_TRUE(d.cli) << d.err;
    const auto& def = std::get<MonitorCommandOptions>(d.cli->command);
    EXPECT_EQ(def.monitor.source, collect::EventSourceKind::Auto);
    EXPECT_EQ(def.monitor.interval, std::chrono::milliseconds(1000));
    EXPECT_EQ(def.monitor.alert_below, std::chrono::seconds(3600));
    EXPECT_FALSE(def.duration.has_value());

    for (const auto& [args, message] :
         std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"monitor", "--source", "dtrace"}, "--source must be auto, ebpf or poll"},
             {{"monitor", "--interval", "10ms"}, "--interval must be at least 100ms"},
             {{"monitor", "--interval", "1x"}, "--interval: unknown unit 'x' in '1x'"},
             {{"monitor", "--duration", "-1s"}, "--duration: expected a duration"},
             {{"monitor", "--db", "a.db", "--no-db"}, "--db and --no-db: choose one"}}) {
        auto bad = parse(args);
        ASSERT_FALSE(bad.cli) << testing::PrintToString(args);
        EXPECT_EQ(bad.cli.error(), kExitUsage);
        EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
    }
}

TEST(Cli, Durations) {
    EXPECT_EQ(*parse_duration("90"), std::chrono::seconds(90));
    EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
    EXPECT_EQ(*parse_duration("2m"), std::chrono::minutes(2));
    EXPECT_EQ(*parse_duration("1h"), std::chrono::hours(1));
    EXPECT_EQ(*parse_duration("1d"), std::chrono::hours(24));
    for (const char* bad : {"", "s", "1.5s", "-1", " 1s", "1 s", "1sec"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace portwatch::app
