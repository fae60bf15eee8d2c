// The monitor's eBPF event source on the labs (real kernel, each lab in its own namespace):
// the churn lab's TIME_WAIT sockets are attributed exactly to the lab's client (not to the
// server, whose softirq context runs the client's packets on loopback), by the events and by
// a snapshot reading the pinned maker map; and every lab's failed call is counted once,
// against the client, with its errno and destination. Needs root and eBPF; fails instead of
// skipping when CI is set.

#include <bpf/bpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "collect/linux/bpf/bpf_event_source.h"
#include "collect/linux/bpf/events.h"
#include "lab/lab.h"
#include "support/process.h"
#include "sys/unique_fd.h"

namespace portwatch {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<collect::EventSource> open_source() {
    auto source = collect::bpf::open_bpf_event_source(collect::LiveOptions{});
    if (source) {
        return std::move(*source);
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "the eBPF event source cannot load: " << source.error().message;
    } else {
        std::cerr << "skipping: the eBPF event source cannot load: " << source.error().message
                  << '\n';
    }
    return nullptr;
}

std::uint64_t inode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
}

// A lab run with the event source open and drained all along (as the monitor would), the
// events of the lab's namespace kept.
struct Observed {
    lab::LabOutcome outcome;
    std::uint64_t netns = 0;
    std::vector<core::PortEvent> ports;
    std::vector<core::FailedAllocation> failures;
    std::uint64_t lost = 0;
};

// How many TIME_WAIT sockets the churn lab leaves: one per connection it closed (all but the
// long-lived one), and never more than the range holds beside that connection. Before the
// labs set tcp_rfc1337=1, RSTs answering late loopback segments on a loaded machine ended a
// few TIME_WAITs early and the client made more connections than that (213 in a 200-port
// range): the bound stays right either way.
std::size_t expected_time_waits(const lab::LabOutcome& o) {
    std::size_t range = static_cast<std::size_t>(o.range_high - o.range_low + 1);
    return std::min<std::size_t>(o.succeeded - 1, range - 1);
}

class EbpfEvents : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!testing::require_root("the eBPF event source")) {
            GTEST_SKIP() << "needs root";
        }
        source_ = open_source();
        if (!source_) {
            GTEST_SKIP() << "eBPF unavailable";
        }
    }

    // Starts the lab (it runs until the kernel refuses its client, then holds) while a thread
    // drains the source; the lab stays up for the caller's snapshot.
    std::optional<lab::Lab> run(lab::Pattern pattern, Observed& seen) {
        core::EventBatch all;
        std::atomic<bool> stop = false;
        Result<void> polled;
        std::jthread drain([&] {
            while (!stop && polled) {
                polled = source_->poll(100ms, all);
            }
        });
        auto lab = lab::Lab::start({pattern, 0});
        // Whatever the lab's last calls produced is in the ring buffer by now.
        std::this_thread::sleep_for(200ms);
        stop = true;
        drain.join();
        if (!lab) {
            ADD_FAILURE() << lab.error().message;
            return std::nullopt;
        }
        EXPECT_TRUE(polled) << polled.error().message;
        if (auto last = source_->poll(0ms, all); !last) {
            ADD_FAILURE() << last.error().message;
        }
        seen.outcome = lab->outcome();
        seen.netns = inode_of(seen.outcome.netns);
        for (auto& e : all.ports) {
            if (e.netns == seen.netns) {
                seen.ports.push_back(std::move(e));
            }
        }
        for (auto& f : all.failures) {
            if (f.netns == seen.netns) {
                seen.failures.push_back(std::move(f));
            }
        }
        seen.lost = all.lost;
        EXPECT_EQ(source_->lost(), all.lost);
        return std::move(*lab);
    }

    std::unique_ptr<collect::EventSource> source_;
};

TEST_F(EbpfEvents, ChurnTimeWaitIsAttributedExactlyToTheClient) {
    Observed seen;
    auto lab = run(lab::Pattern::Churn, seen);
    ASSERT_TRUE(lab);
    const auto& o = seen.outcome;
    ASSERT_EQ(o.error, EADDRNOTAVAIL) << o.story;
    ASSERT_NE(o.client_pid, o.server_pid);
    EXPECT_EQ(seen.lost, 0u);

    // The events: every client socket that went to TIME_WAIT names the client (the loopback
    // trap: its FIN_WAIT2 -> CLOSE runs in softirq, in whichever task sent the last packet).
    std::size_t time_waits = 0;
    std::size_t exact = 0;
    for (const auto& e : seen.ports) {
        if (e.to != core::TcpState::TimeWait || e.local.port < o.range_low ||
            e.local.port > o.range_high) {
            continue;
        }
        ++time_waits;
        exact += e.maker_exact && e.maker.pid == o.client_pid && e.maker.comm == o.client_name;
    }
    EXPECT_GE(time_waits, o.succeeded - 1);  // all but the long-lived connection
    if (time_waits < o.succeeded - 1) {
        std::map<std::pair<int, int>, int> transitions;
        for (const auto& e : seen.ports) {
            if (++transitions[{static_cast<int>(e.from), static_cast<int>(e.to)}] == 1) {
                std::cerr << e.local.to_string() << " " << e.remote.to_string() << " pid "
                          << e.maker.pid << " " << o.range_low << "-" << o.range_high << '\n';
            }
        }
        for (auto [t, n] : transitions) {
            std::cerr << t.first << "->" << t.second << ": " << n << '\n';
        }
        // Which client ports have no TIME_WAIT, with every event of theirs (this check
        // failed 3 times in ~150 runs on 2026-12-03, never reproduced at will: the next
        // failure should say which connection and what its events were).
        std::map<std::uint16_t, std::vector<const core::PortEvent*>> by_port;
        for (const auto& e : seen.ports) {
            if (e.local.port >= o.range_low && e.local.port <= o.range_high) {
                by_port[e.local.port].push_back(&e);
            } else if (e.remote.port >= o.range_low && e.remote.port <= o.range_high) {
                by_port[e.remote.port].push_back(&e);
            }
        }
        for (const auto& [port, events] : by_port) {
            const bool tw = std::any_of(events.begin(), events.end(), [&](const auto* e) {
                return e->to == core::TcpState::TimeWait && e->local.port == port;
            });
            if (tw) {
                continue;
            }
            std::cerr << "port " << port << " without TIME_WAIT:\n";
            for (const auto* e : events) {
                std::cerr << "  kind " << static_cast<int>(e->kind) << " "
                          << static_cast<int>(e->from) << "->" << static_cast<int>(e->to) << " "
                          << e->local.to_string() << " " << e->remote.to_string() << " cookie "
                          << e->cookie << " pid " << e->maker.pid << '\n';
            }
        }
    }
    EXPECT_GE(exact * 100, time_waits * 99) << exact << " of " << time_waits;
    // Server sockets are made at accept(), in the server.
    std::size_t accepted = 0;
    for (const auto& e : seen.ports) {
        if (e.kind == core::PortEventKind::Opened && e.local.port == o.destination.port) {
            ++accepted;
            EXPECT_EQ(e.maker.pid, o.server_pid);
        }
    }
    EXPECT_GE(accepted, o.succeeded);

    // The snapshot, with the pin there: TIME_WAIT owners exact, the client's.
    collect::LiveOptions scope;
    scope.platform.netns = o.netns;
    // A dump of the host-wide hash can skip a socket when another namespace's leaves the
    // bucket it is resuming in (see lab_test's LabHealthy): each dump is a lower bound, so
    // take the first of up to three that sees (nearly) every TIME_WAIT.
    const std::size_t expected = expected_time_waits(o);
    Result<core::Snapshot> snap = make_error("not taken");
    std::size_t tw = 0;
    std::size_t tw_exact = 0;
    for (int attempt = 0; attempt < 3 && tw * 100 < expected * 95; ++attempt) {
        snap = collect::take_live_snapshot(scope);
        ASSERT_TRUE(snap) << snap.error().message;
        tw = 0;
        tw_exact = 0;
        for (const auto& s : snap->sockets) {
            if (s.state != core::TcpState::TimeWait) {
                continue;
            }
            ++tw;
            tw_exact += s.attribution == core::Attribution::Recorded &&
                        s.owners == std::vector<std::int32_t>{o.client_pid};
        }
    }
    // What this test is about is the share attributed exactly, below; the count only shows
    // the snapshot saw the lab's TIME_WAITs at all.
    EXPECT_GE(tw * 100, expected * 95) << tw << " TIME_WAIT, " << expected << " expected";
    EXPECT_GE(tw_exact * 100, tw * 99) << tw_exact << " of " << tw;
    const core::Process* client = snap->find_process(o.client_pid);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->name, o.client_name);
}

TEST_F(EbpfEvents, SnapshotCommandMarksTimeWaitExact) {
    Observed seen;
    auto lab = run(lab::Pattern::Churn, seen);
    ASSERT_TRUE(lab);
    const auto& o = seen.outcome;
    ASSERT_FALSE(collect::bpf::pinned_at(*source_).empty()) << collect::bpf::pin_problem(*source_);
    // TIME_WAIT sockets attributed exactly to the client, as `portwatch snapshot` prints them.
    auto exact_time_waits = [&] {
        auto json = nlohmann::json::parse(testing::checked_output(
            {PORTWATCH_BINARY, "snapshot", "--netns", o.netns, "--state", "TIME_WAIT", "--json"}));
        std::size_t total = 0;
        std::size_t exact = 0;
        for (const auto& s : json.at("sockets")) {
            ++total;
            exact += s.at("attribution") == "exact" &&
                     s.at("pids") == nlohmann::json::array({o.client_pid});
        }
        return std::pair(total, exact);
    };
    // Each dump is a lower bound (above): the first of up to three that sees them all.
    const std::size_t expected = expected_time_waits(o);
    auto [total, exact] = exact_time_waits();
    for (int retry = 0; retry < 2 && total * 100 < expected * 95; ++retry) {
        std::tie(total, exact) = exact_time_waits();
    }
    EXPECT_GE(total * 100, expected * 95) << total << " TIME_WAIT, " << expected << " expected";
    EXPECT_GE(exact * 100, total * 99) << exact << " of " << total;
    // Once the source is gone, so is its pin, and the owners are inferred again; unless
    // another source (a monitor running beside the test) shares the pin.
    source_.reset();
    sys::UniqueFd dir(::open(PW_MAKERS_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir && ::flock(dir.get(), LOCK_EX | LOCK_NB) != 0) {
        std::cerr << "another eBPF event source holds " << PW_MAKERS_PIN << ": left alone\n";
        return;
    }
    struct stat st {};
    EXPECT_NE(::stat(PW_MAKERS_PIN, &st), 0) << "the pin outlived its source";
    EXPECT_EQ(exact_time_waits().second, 0u);
}

// A monitor killed with its source open leaves its pin: the next source takes it over (its
// entries stay true, cookies are never reused within a boot) and removes it when it goes.
TEST_F(EbpfEvents, StalePinOfAKilledMonitorIsTakenOverAndRemoved) {
    source_.reset();
    sys::UniqueFd dir(::open(PW_MAKERS_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir && ::flock(dir.get(), LOCK_EX | LOCK_NB) != 0) {
        GTEST_SKIP() << "another eBPF event source holds " << PW_MAKERS_PIN;
    }
    dir = sys::UniqueFd();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto killed = collect::bpf::open_bpf_event_source(collect::LiveOptions{});
        ::raise(SIGKILL);  // no destructor runs: the pin stays
        _exit(killed ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child could not open the source";
    struct stat st {};
    ASSERT_EQ(::stat(PW_MAKERS_PIN, &st), 0) << "a killed monitor's pin is expected to stay";
    auto pinned_map_id = [] {
        sys::UniqueFd map(bpf_obj_get(PW_MAKERS_PIN));
        bpf_map_info info{};
        std::uint32_t len = sizeof info;
        return map && bpf_obj_get_info_by_fd(map.get(), &info, &len) == 0 ? info.id : 0u;
    };
    const std::uint32_t stale = pinned_map_id();
    ASSERT_NE(stale, 0u);

    auto next = collect::bpf::open_bpf_event_source(collect::LiveOptions{});
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(collect::bpf::pinned_at(**next), PW_MAKERS_PIN);
    EXPECT_EQ(pinned_map_id(), stale) << "the stale map is expected to be reused";
    EXPECT_EQ(collect::bpf::pin_problem(**next), "");
    next->reset();
    EXPECT_NE(::stat(PW_MAKERS_PIN, &st), 0) << "the taken-over pin outlived its source";
}

struct FailureCase {
    lab::Pattern pattern;
    const char* call;  // as FailedAllocation names it; "" when the lab's client never fails
};

void PrintTo(const FailureCase& c, std::ostream* os) {
    *os << lab::info(c.pattern).name << " (" << (*c.call ? c.call : "no failure") << ")";
}

class EbpfFailures : public EbpfEvents, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(EbpfFailures, EveryFailedCallIsCountedOnceAgainstTheClient) {
    const FailureCase& c = GetParam();
    Observed seen;
    auto lab = run(c.pattern, seen);
    ASSERT_TRUE(lab);
    const auto& o = seen.outcome;
    EXPECT_EQ(seen.lost, 0u);
    std::vector<const core::FailedAllocation*> client;
    for (const auto& f : seen.failures) {
        if (f.maker.pid == o.client_pid) {
            client.push_back(&f);
        } else {
            // Other lab processes fail too only where they mean to (a taker trying ports).
            EXPECT_EQ(f.maker.pid, o.taker_pid) << f.call << " by " << f.maker.comm;
        }
    }
    if (std::string(c.call).empty()) {
        EXPECT_TRUE(o.failed_call.empty()) << o.story;
        EXPECT_TRUE(client.empty());
        return;
    }
    ASSERT_EQ(o.failed_call, std::string(c.call) + "()") << o.story;
    ASSERT_EQ(client.size(), 1u) << o.story;
    const auto& f = *client.front();
    EXPECT_EQ(f.call, c.call);
    EXPECT_EQ(f.error, o.error);
    EXPECT_EQ(f.maker.comm, o.client_name);
    if (f.call == "connect") {
        EXPECT_EQ(f.remote, o.destination) << f.remote.to_string();
        EXPECT_EQ(f.protocol,
                  c.pattern == lab::Pattern::UdpLeak ? core::Protocol::Udp : core::Protocol::Tcp);
    } else {
        EXPECT_EQ(f.local.address.to_string(), "127.0.0.1");
        EXPECT_EQ(f.local.port, 0);
    }
}

INSTANTIATE_TEST_SUITE_P(Labs, EbpfFailures,
                         ::testing::Values(FailureCase{lab::Pattern::Churn, "connect"},
                                           FailureCase{lab::Pattern::CloseWait, "connect"},
                                           FailureCase{lab::Pattern::Hoard, "connect"},
                                           FailureCase{lab::Pattern::BindBeforeConnect, "bind"},
                                           FailureCase{lab::Pattern::UdpLeak, "connect"},
                                           FailureCase{lab::Pattern::DeadBackend, "connect"},
                                           FailureCase{lab::Pattern::ListenersInRange, "connect"},
                                           FailureCase{lab::Pattern::ProxyBind, "connect"},
                                           FailureCase{lab::Pattern::Reserved, "connect"},
                                           FailureCase{lab::Pattern::Healthy, ""}),
                         [](const auto& info) {
                             std::string name(lab::info(info.param.pattern).name);
                             std::erase(name, '-');
                             return name;
                         });

}  // namespace
}  // namespace portwatch
