// The monitor engine, driven: a FixedClock that the scripted event source moves on, samples
// made from hand-built snapshots, and a HistoryStore that records what it is asked to write
// (and fails on demand).

#include "monitor/monitor.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "analyze/report.h"
#include "monitor/tally.h"

namespace portwatch::monitor {
namespace {

using namespace std::chrono_literals;
using core::TcpState;

// A minute boundary plus 10 s, so the first rollup comes 50 s in.
const core::TimePoint kT0 =
    core::TimePoint{} + std::chrono::hours(24 * 365 * 50) + std::chrono::seconds(10);

core::Endpoint ep(const char* address, std::uint16_t port) {
    return core::Endpoint{*core::IpAddress::parse(address), port};
}

// Waits by moving the clock; delivers the events scripted for the moment it reaches.
class ScriptedSource final : public collect::EventSource {
  public:
    explicit ScriptedSource(core::FixedClock& clock) : clock_(clock) {}
    std::string_view name() const override { return "scripted"; }
    Result<void> poll(std::chrono::milliseconds timeout, core::EventBatch& out) override {
        ++polls_;
        clock_.set(clock_.now() + timeout);
        while (!script_.empty() && script_.front().first <= clock_.now()) {
            auto& b = script_.front().second;
            out.ports.insert(out.ports.end(), b.ports.begin(), b.ports.end());
            out.failures.insert(out.failures.end(), b.failures.begin(), b.failures.end());
            script_.pop_front();
        }
        return {};
    }
    std::uint64_t lost() const override { return 0; }
    void at(core::TimePoint t, core::EventBatch batch) {
        script_.emplace_back(t, std::move(batch));
    }
    int polls() const { return polls_; }

  private:
    core::FixedClock& clock_;
    std::deque<std::pair<core::TimePoint, core::EventBatch>> script_;
    int polls_ = 0;
};

class RecordingStore final : public store::HistoryStore {
  public:
    bool failing = false;
    int runs = 0, batches = 0, events = 0, lives_started = 0, lives_exited = 0, retentions = 0;
    std::vector<std::vector<store::PoolSample>> minutes_pools;
    std::vector<std::vector<store::ProcessSample>> minutes_processes;
    std::vector<store::Crossing> crossings;
    std::vector<std::pair<core::TimePoint, std::vector<store::HostFact>>> facts;
    int refused = 0;

    Result<std::int64_t> begin_run(const store::RunInfo& run, const core::Snapshot&) override {
        if (failing) {
            return refuse();
        }
        EXPECT_EQ(run.source, "scripted");
        return ++runs;
    }
    Result<void> record(const core::EventBatch& batch) override {
        if (failing) {
            return refuse();
        }
        ++batches;
        events += static_cast<int>(batch.ports.size() + batch.failures.size());
        return {};
    }
    Result<void> record_process(const store::ProcessLife& life) override {
        if (failing) {
            return refuse();
        }
        (life.started ? lives_started : lives_exited)++;
        return {};
    }
    Result<void> record_minute(std::span<const store::PoolSample> pools,
                               std::span<const store::ProcessSample> processes) override {
        if (failing) {
            return refuse();
        }
        minutes_pools.emplace_back(pools.begin(), pools.end());
        minutes_processes.emplace_back(processes.begin(), processes.end());
        return {};
    }
    Result<void> record_crossing(const store::Crossing& crossing) override {
        if (failing) {
            return refuse();
        }
        crossings.push_back(crossing);
        return {};
    }
    Result<void> record_facts(core::TimePoint at,
                              std::span<const store::HostFact> recorded) override {
        if (failing) {
            return refuse();
        }
        facts.emplace_back(at, std::vector<store::HostFact>(recorded.begin(), recorded.end()));
        return {};
    }
    Result<void> apply_retention(const store::Retention&, core::TimePoint) override {
        if (failing) {
            return refuse();
        }
        ++retentions;
        return {};
    }

  private:
    std::unexpected<Error> refuse() {
        ++refused;
        return std::unexpected(Error{ErrorKind::Exhausted, 28, "database or disk is full"});
    }
};

// One connect() pool, 127.0.0.1 -> 10.0.0.2:443, in a range of 200 ports: `held(t)` sockets
// ESTABLISHED by pid 10 ("leaky"), plus whatever `extra` adds.
struct Scene {
    core::FixedClock clock{kT0};
    RecordingStore store;
    std::ostringstream log;
    ScriptedSource* source = nullptr;
    std::function<int(double)> held = [](double) { return 10; };
    std::function<void(core::Snapshot&, double)> extra;
    bool owner_alive = true;
    bool unreadable = false;  // the sample's sockets cannot be read

    core::Snapshot snapshot() const {
        const double t = std::chrono::duration<double>(clock.now() - kT0).count();
        core::Snapshot s;
        s.taken_at = clock.now();
        s.hostname = "test";
        s.netns = 4026531840;
        s.config.ephemeral = core::PortRange{40000, 40199};
        s.config.range_origin = "test";
        s.config.tcp_tw_reuse = 0;
        if (owner_alive) {
            core::Process p;
            p.pid = 10;
            p.name = "leaky";
            p.start_time = 1000;
            s.processes.push_back(p);
        }
        const int n = held(t);
        for (int i = 0; i < n; ++i) {
            core::Socket k;
            k.state = TcpState::Established;
            k.binding = core::PortBinding::Auto;
            k.local = ep("127.0.0.1", static_cast<std::uint16_t>(40000 + i));
            k.remote = ep("10.0.0.2", 443);
            k.cookie = 100 + static_cast<std::uint64_t>(i);
            k.inode = 7000 + static_cast<std::uint64_t>(i);
            k.owners = {10};
            k.attribution = core::Attribution::Owned;
            s.sockets.push_back(k);
        }
        if (extra) {
            extra(s, t);
        }
        return s;
    }

    MonitorOptions options() const {
        MonitorOptions o;
        o.interval = 1000ms;
        o.alert_below = std::chrono::seconds(3600);
        o.alert_json = [](const Alert& a) {
            return std::string("{\"kind\":\"") + std::string(alert_kind_name(a.kind)) +
                   "\",\"pool\":\"" + a.pool + "\"}\n";
        };
        return o;
    }

    std::unique_ptr<Monitor> start(MonitorOptions o, bool with_store = true) {
        auto src = std::make_unique<ScriptedSource>(clock);
        source = src.get();
        MonitorInputs in{collect::OpenedSource{std::move(src), "scripted: for the test"},
                         [this, o] {
                             live::ScopeSample s;
                             if (unreadable) {
                                 s.report.unknown = true;
                                 s.report.summary = "UNKNOWN: sock_diag: Permission denied";
                                 return s;
                             }
                             s.snapshot = snapshot();
                             s.report = analyze::diagnose(*s.snapshot, nullptr, o.thresholds);
                             return s;
                         }};
        auto m = Monitor::create(o, clock, with_store ? &store : nullptr, log, std::move(in));
        EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
        return m ? std::move(*m) : nullptr;
    }
};

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) {
        ++n;
    }
    return n;
}

const char* const kPool = "tcp-connect 127.0.0.1 -> 10.0.0.2:443";

// The view of the pool named `name` (the connect() pool by default); the local pools the same
// sockets are in come too.
const PoolView& pool_of(const MonitorState& st, const std::string& name = kPool) {
    for (const auto& p : st.pools) {
        if (p.pool == name) {
            return p;
        }
    }
    ADD_FAILURE() << "no pool " << name;
    static const PoolView none;
    return none;
}

void steps(Monitor& m, int n) {
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(m.step().has_value());
    }
}

TEST(Monitor, SaysItsSourceFirstAndSamplesEveryInterval) {
    Scene s;
    auto m = s.start(s.options());
    ASSERT_TRUE(m);
    EXPECT_EQ(s.log.str().rfind("portwatch: monitor: source scripted: for the test\n", 0), 0u)
        << s.log.str();
    steps(*m, 5);
    EXPECT_EQ(s.clock.now(), kT0 + 5s);
    const MonitorState& st = m->state();
    EXPECT_EQ(st.samples, 6u);
    EXPECT_EQ(st.source, "scripted");
    EXPECT_EQ(st.at, kT0 + 5s);
    ASSERT_FALSE(st.pools.empty());
    const PoolView& pool = pool_of(st);
    EXPECT_EQ(pool.kind, "tcp-connect");
    EXPECT_EQ(pool.size, 200u);
    EXPECT_EQ(pool.used, 10u);
    EXPECT_EQ(pool.severity, analyze::Severity::Ok);
    EXPECT_EQ(pool.recent_used.size(), 6u);
    ASSERT_FALSE(st.processes.empty());
    EXPECT_EQ(st.processes[0].pid, 10);
    EXPECT_EQ(st.processes[0].name, "leaky");
    EXPECT_EQ(st.processes[0].ports, 10u);
    EXPECT_EQ(st.processes[0].established, 10u);
    EXPECT_EQ(st.processes[0].top_destination, "10.0.0.2:443");
}

TEST(Monitor, RollsUpEachMinute) {
    Scene s;
    auto m = s.start(s.options());
    steps(*m, 49);
    EXPECT_TRUE(s.store.minutes_pools.empty());  // 10:59 of the first minute
    steps(*m, 1);
    ASSERT_EQ(s.store.minutes_pools.size(), 1u);
    steps(*m, 130);  // to 3:00
    ASSERT_EQ(s.store.minutes_pools.size(), 3u);
    EXPECT_EQ(s.store.runs, 1);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& pools = s.store.minutes_pools[i];
        auto it = std::find_if(pools.begin(), pools.end(),
                               [](const store::PoolSample& p) { return p.pool == kPool; });
        ASSERT_NE(it, pools.end());
        const auto& p = *it;
        EXPECT_EQ(p.at,
                  std::chrono::floor<std::chrono::minutes>(kT0) + std::chrono::minutes(i + 1));
        EXPECT_EQ(p.used, 10u);
        EXPECT_EQ(p.established, 10u);
        EXPECT_EQ(p.severity, "OK");
        EXPECT_EQ(p.kind, "tcp-connect");
        ASSERT_EQ(s.store.minutes_processes[i].size(), 1u);
        EXPECT_EQ(s.store.minutes_processes[i][0].pid, 10);
        EXPECT_EQ(s.store.minutes_processes[i][0].ports, 10u);
    }
    EXPECT_EQ(s.store.retentions, 1);  // once an hour, the first at start
}

// The host's facts (the range and its origin, tcp_tw_reuse, ...) go to the history with the
// first sample, then at a minute's end only when a line changed (and at least hourly).
TEST(Monitor, RecordsTheHostFactsAtStartAndWhenTheyChange) {
    Scene s;
    s.extra = [](core::Snapshot& snap, double t) {
        if (t >= 100) {
            snap.config.tcp_tw_reuse = 1;  // an admin's sysctl in the second minute
        }
    };
    auto m = s.start(s.options());
    steps(*m, 1);
    ASSERT_EQ(s.store.facts.size(), 1u);
    auto value = [](const std::vector<store::HostFact>& facts, const std::string& label) {
        for (const auto& f : facts) {
            if (f.label == label) {
                return f.value;
            }
        }
        return std::string("(missing)");
    };
    EXPECT_EQ(value(s.store.facts[0].second, "ephemeral range"), "40000-40199 (200 ports; test)");
    EXPECT_EQ(value(s.store.facts[0].second, "net.ipv4.tcp_tw_reuse"), "0");
    steps(*m, 99);  // a minute's end (kT0 is 10 s into its minute), nothing changed
    EXPECT_EQ(s.store.facts.size(), 1u);
    steps(*m, 80);  // the change at 100 s, recorded at the next minute's end (110 s)
    ASSERT_EQ(s.store.facts.size(), 2u);
    EXPECT_EQ(s.store.facts[1].first,
              std::chrono::floor<std::chrono::minutes>(kT0) + std::chrono::minutes(2));
    EXPECT_EQ(value(s.store.facts[1].second, "net.ipv4.tcp_tw_reuse"), "1");
    steps(*m, 3600);
    EXPECT_EQ(s.store.facts.size(), 3u);  // the hourly one: retention must not leave none
}

// A server's accepted connections keep its listener's port and take none from the range: they
// are counted apart (accepted), not as ports, and its peers are not its destinations. The
// client that opened them counts them as ports.
TEST(Monitor, AcceptedConnectionsAreNotPortsTaken) {
    core::Snapshot snap;
    snap.netns = 1;
    core::Process server, client;
    server.pid = 20;
    server.name = "server";
    client.pid = 30;
    client.name = "client";
    snap.processes = {server, client};
    auto socket = [&](TcpState state, core::Endpoint local, core::Endpoint remote,
                      std::int32_t owner) {
        core::Socket s;
        s.state = state;
        s.local = local;
        s.remote = remote;
        s.owners = {owner};
        s.attribution = core::Attribution::Owned;
        snap.sockets.push_back(s);
    };
    socket(TcpState::Listen, ep("0.0.0.0", 8080), ep("0.0.0.0", 0), 20);
    for (std::uint16_t i = 0; i < 5; ++i) {
        const auto client_end = ep("127.0.0.1", static_cast<std::uint16_t>(41000 + i));
        socket(TcpState::Established, ep("127.0.0.1", 8080), client_end, 20);
        socket(TcpState::Established, client_end, ep("127.0.0.1", 8080), 30);
    }
    socket(TcpState::CloseWait, ep("127.0.0.1", 8080), ep("127.0.0.2", 42000), 20);
    socket(TcpState::Established, ep("10.0.0.1", 43000), ep("10.0.0.9", 5432), 20);
    const Tallies t = tally_processes(snap, MakerMap{});
    const ProcessTally& srv = t.at(20);
    EXPECT_EQ(srv.ports, 2u);  // its listener and its own outbound connection
    EXPECT_EQ(srv.accepted, 6u);
    EXPECT_EQ(srv.established, 1u);
    EXPECT_EQ(srv.close_wait, 0u);
    EXPECT_EQ(srv.top_destination, "10.0.0.9:5432");
    const ProcessTally& cli = t.at(30);
    EXPECT_EQ(cli.ports, 5u);
    EXPECT_EQ(cli.accepted, 0u);
    EXPECT_EQ(cli.established, 5u);
    EXPECT_EQ(cli.top_destination, "127.0.0.1:8080");
}

// A run that stops between minutes writes what it saw since the last rollup, stamped with its
// last sample: a leak's last state before the monitor stopped is not lost.
TEST(Monitor, StoppingWritesThePartialMinute) {
    Scene s;
    s.held = [](double t) { return 10 + static_cast<int>(t); };
    {
        auto m = s.start(s.options());
        steps(*m, 70);  // one minute's end at 50 s, the last sample at 70 s
        ASSERT_EQ(s.store.minutes_pools.size(), 1u);
    }
    ASSERT_EQ(s.store.minutes_pools.size(), 2u);
    const auto& last = s.store.minutes_pools[1];
    auto it = std::find_if(last.begin(), last.end(),
                           [](const store::PoolSample& p) { return p.pool == kPool; });
    ASSERT_NE(it, last.end());
    EXPECT_EQ(it->at, kT0 + std::chrono::seconds(70));
    EXPECT_EQ(it->used, 80u);
    ASSERT_EQ(s.store.minutes_processes.size(), 2u);
    EXPECT_EQ(s.store.minutes_processes[1][0].ports, 80u);
}

TEST(Monitor, LeakCrossesEachSeverityOnceAndAlertsOnceEach) {
    Scene s;
    // One port every 2 s from 60: WARNING (140) at 160 s, CRITICAL (180) at 240 s, exhausted at
    // 280 s; then held there.
    s.held = [](double t) { return std::min(200, 60 + static_cast<int>(t / 2)); };
    auto m = s.start(s.options());
    steps(*m, 400);
    std::vector<std::string> seen;
    for (const auto& c : s.store.crossings) {
        EXPECT_EQ(c.pool, kPool);
        seen.push_back(c.from + "->" + c.to);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"OK->WARNING", "WARNING->CRITICAL",
                                              "CRITICAL->EXHAUSTED"}));
    const std::string log = s.log.str();
    EXPECT_EQ(count(log, "ALERT"), 3) << log;  // the forecast, CRITICAL, EXHAUSTED: once each
    EXPECT_EQ(count(log, "runs dry in"), 1) << log;
    EXPECT_EQ(count(log, "CRITICAL (was WARNING)"), 1) << log;
    EXPECT_EQ(count(log, "EXHAUSTED (was CRITICAL)"), 1) << log;
    EXPECT_NE(log.find("most: leaky (pid 10)"), std::string::npos) << log;
    EXPECT_EQ(m->state().pools[0].pool, kPool);  // worst first
    EXPECT_EQ(m->state().pools[0].severity, analyze::Severity::Exhausted);
    EXPECT_FALSE(m->state().pools[0].seconds_left.has_value());  // not growing any more
}

TEST(Monitor, ForecastOfTheLeakIsWithinTwentyPercentAMinuteAhead) {
    Scene s;
    s.held = [](double t) { return std::min(200, 20 + static_cast<int>(t)); };  // dry at 180 s
    auto m = s.start(s.options());
    steps(*m, 110);
    const auto& pool = pool_of(m->state());
    ASSERT_TRUE(pool.seconds_left.has_value());
    EXPECT_NEAR(*pool.seconds_left, 70, 14);
    EXPECT_NEAR(pool.used_per_minute, 60, 12);
    const auto& proc = m->state().processes.at(0);
    ASSERT_TRUE(proc.seconds_left.has_value());
    EXPECT_NEAR(*proc.seconds_left, 70, 14);
    EXPECT_NEAR(proc.ports_per_minute, 60, 12);
}

TEST(Monitor, AlertCommandGetsTheAlertOnStdinOnceAndIsReaped) {
    Scene s;
    char dir[] = "/tmp/pw-monitor-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string file = std::string(dir) + "/alerts";
    auto o = s.options();
    o.on_alert = "cat >> " + file;
    s.held = [](double t) { return std::min(200, 60 + static_cast<int>(t / 2)); };
    auto m = s.start(o);
    steps(*m, 250);  // WARNING, the forecast alert, CRITICAL
    std::this_thread::sleep_for(300ms);
    steps(*m, 1);  // reaps
    m.reset();     // waits for any still running
    std::ifstream in(file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all,
              "{\"kind\":\"forecast\",\"pool\":\"tcp-connect 127.0.0.1 -> 10.0.0.2:443\"}\n"
              "{\"kind\":\"crossing\",\"pool\":\"tcp-connect 127.0.0.1 -> 10.0.0.2:443\"}\n");
    int status = 0;
    errno = 0;
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // no child left, zombie or running
    EXPECT_EQ(errno, ECHILD);
    std::remove(file.c_str());
    rmdir(dir);
}

TEST(Monitor, AlertCommandThatHangsIsKilledAndTheLoopGoesOn) {
    Scene s;
    auto o = s.options();
    o.on_alert = "exec sleep 30";
    o.alert_timeout = 200ms;
    s.held = [](double t) { return t < 5 ? 10 : 195; };  // CRITICAL at once
    auto m = s.start(o);
    const auto before = std::chrono::steady_clock::now();
    steps(*m, 6);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);  // never waits for the command
    std::this_thread::sleep_for(400ms);
    steps(*m, 1);
    EXPECT_NE(s.log.str().find("--on-alert command still running after"), std::string::npos)
        << s.log.str();
    std::this_thread::sleep_for(100ms);
    steps(*m, 1);
    int status = 0;
    errno = 0;
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST(Monitor, StoreFailureIsAWarningAndWritesResume) {
    Scene s;
    auto m = s.start(s.options());
    steps(*m, 20);
    s.store.failing = true;
    steps(*m, 100);  // two rollups due while failing
    const std::string log = s.log.str();
    EXPECT_EQ(count(log, "history: database or disk is full; not recording, still watching"), 1)
        << log;
    ASSERT_FALSE(m->state().warnings.empty());
    EXPECT_EQ(m->state().warnings[0].rfind("history: database or disk is full", 0), 0u)
        << m->state().warnings[0];
    EXPECT_EQ(m->state().samples, 121u);  // kept watching
    EXPECT_LT(s.store.refused, 30);       // retried every 5 s, not every step
    s.store.failing = false;
    steps(*m, 10);
    EXPECT_NE(s.log.str().find("history: recording again"), std::string::npos) << s.log.str();
    EXPECT_TRUE(m->state().warnings.empty());
    EXPECT_EQ(s.store.minutes_pools.size(), 2u);  // nothing lost
}

TEST(Monitor, TimeWaitCountsForItsMakerExactlyAndFailuresPerProcess) {
    Scene s;
    // pid 10's connection 7 closed: a TIME_WAIT no descriptor holds, cookie 900.
    s.extra = [](core::Snapshot& snap, double t) {
        if (t >= 3) {
            core::Socket k;
            k.state = TcpState::TimeWait;
            k.local = ep("127.0.0.1", 40100);
            k.remote = ep("10.0.0.2", 443);
            k.cookie = 900;
            snap.sockets.push_back(k);
            k.local.port = 40101;  // a TIME_WAIT no event told us about
            k.cookie = 901;
            snap.sockets.push_back(k);
        }
    };
    auto m = s.start(s.options());
    core::EventBatch opened;
    core::PortEvent e;
    e.at = kT0 + 1s;
    e.kind = core::PortEventKind::Opened;
    e.to = TcpState::SynSent;
    e.local = ep("127.0.0.1", 40100);
    e.remote = ep("10.0.0.2", 443);
    e.cookie = 900;
    e.maker = core::Maker{10, "leaky", 0, 1000};
    e.maker_exact = true;
    opened.ports.push_back(e);
    for (int i = 0; i < 4; ++i) {
        core::FailedAllocation f;
        f.call = "connect";
        f.error = 99;
        f.remote = ep("10.0.0.2", 443);
        f.maker = core::Maker{10, "leaky", 0, 1000};
        opened.failures.push_back(f);
    }
    s.source->at(kT0 + 1s, opened);
    steps(*m, 4);
    const MonitorState& st = m->state();
    EXPECT_EQ(st.failures_total, 4u);
    EXPECT_EQ(st.events_total, 1u);
    ASSERT_GE(st.processes.size(), 2u);
    const ProcessView& p = st.processes[0];
    EXPECT_EQ(p.pid, 10);
    EXPECT_EQ(p.ports, 11u);
    EXPECT_EQ(p.time_wait, 1u);
    EXPECT_EQ(p.time_wait_exact, 1u);
    EXPECT_EQ(p.failures_total, 4u);
    const ProcessView& nobody = st.processes[1];
    EXPECT_EQ(nobody.pid, 0);
    EXPECT_EQ(nobody.time_wait, 1u);
    EXPECT_EQ(nobody.time_wait_exact, 0u);
    EXPECT_EQ(s.store.batches, 1);
    EXPECT_EQ(s.store.events, 5);
}

// A snapshot taken while an eBPF event source runs names TIME_WAIT makers itself (the pinned
// maker map, Attribution::Recorded): the tally counts those as exact, owners from a descriptor
// table as not.
TEST(Monitor, TimeWaitMakersTheSnapshotRecordedAreExact) {
    core::Snapshot snap;
    auto socket = [&](TcpState state, core::Attribution attribution, std::uint16_t port) {
        core::Socket s;
        s.state = state;
        s.local = ep("127.0.0.1", port);
        s.remote = ep("127.0.0.1", 9000);
        s.owners = {42};
        s.attribution = attribution;
        snap.sockets.push_back(s);
    };
    socket(TcpState::TimeWait, core::Attribution::Recorded, 40001);
    socket(TcpState::TimeWait, core::Attribution::Recorded, 40002);
    socket(TcpState::TimeWait, core::Attribution::InferredEndpoint, 40003);
    socket(TcpState::Established, core::Attribution::Owned, 40004);
    const Tallies t = tally_processes(snap, MakerMap{});
    const auto it = t.find(42);
    ASSERT_NE(it, t.end());
    EXPECT_EQ(it->second.time_wait, 3u);
    EXPECT_EQ(it->second.time_wait_exact, 2u);
}

TEST(Monitor, FailuresPerSecondOverTheLastInterval) {
    Scene s;
    auto m = s.start(s.options());
    core::EventBatch b;
    for (int i = 0; i < 3; ++i) {
        core::FailedAllocation f;
        f.call = "connect";
        f.error = 99;
        f.maker = core::Maker{10, "leaky", 0, 1000};
        b.failures.push_back(f);
    }
    s.source->at(kT0 + 500ms, b);
    steps(*m, 1);
    ASSERT_FALSE(m->state().processes.empty());
    EXPECT_DOUBLE_EQ(m->state().processes[0].failures_per_second, 3.0);
    steps(*m, 1);
    EXPECT_DOUBLE_EQ(m->state().processes[0].failures_per_second, 0.0);
    EXPECT_EQ(m->state().processes[0].failures_total, 3u);
}

TEST(Monitor, UnreadableSampleKeepsTheViewsAndSaysWhy) {
    Scene s;
    s.held = [](double) { return 190; };  // CRITICAL
    auto m = s.start(s.options());
    steps(*m, 3);
    ASSERT_EQ(s.store.crossings.size(), 1u);
    s.unreadable = true;
    steps(*m, 3);
    EXPECT_EQ(s.store.crossings.size(), 1u);  // no made-up crossing back to OK
    EXPECT_EQ(pool_of(m->state()).used, 190u);
    ASSERT_FALSE(m->state().warnings.empty());
    EXPECT_EQ(m->state().warnings.back(), "UNKNOWN: sock_diag: Permission denied");
    EXPECT_EQ(s.store.lives_exited, 0);
    s.unreadable = false;
    steps(*m, 1);
    EXPECT_TRUE(m->state().warnings.empty());
}

TEST(Monitor, ProcessStartsAndExitsAreRecorded) {
    Scene s;
    auto m = s.start(s.options());
    steps(*m, 2);
    EXPECT_EQ(s.store.lives_started, 1);
    s.held = [](double) { return 0; };
    s.owner_alive = false;
    steps(*m, 1);
    EXPECT_EQ(s.store.lives_exited, 1);
    EXPECT_TRUE(m->state().processes.empty());
}

TEST(Monitor, WithoutAStoreAndWithoutAnAlertWriterWhenAsked) {
    Scene s;
    auto m = s.start(s.options(), false);
    steps(*m, 70);
    EXPECT_TRUE(m->state().warnings.empty());
    auto o = s.options();
    o.on_alert = "true";
    o.alert_json = nullptr;
    MonitorInputs in{collect::OpenedSource{std::make_unique<ScriptedSource>(s.clock), "x"}, {}};
    auto bad = Monitor::create(o, s.clock, nullptr, s.log, std::move(in));
    EXPECT_FALSE(bad.has_value());
}

}  // namespace
}  // namespace portwatch::monitor
