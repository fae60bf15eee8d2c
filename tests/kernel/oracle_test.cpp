// The oracle test: in a network namespace of its own, sockfarm builds a known socket set;
// `portwatch snapshot --json` must report exactly what `ss -tanpH` / `ss -uanpH` report for
// that namespace at the same moment: the same tuples, states and owning pids.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "collect/linux/binding_cache.h"
#include "collect/live_source.h"
#include "core/ip_address.h"
#include "core/socket.h"
#include "support/process.h"

extern char** environ;

namespace {

using portwatch::core::IpAddress;
using portwatch::core::TcpState;

using portwatch::testing::checked_output;
using portwatch::testing::require_root;

// One network namespace, removed with everything in it when the test ends.
class Namespace {
  public:
    Namespace() : name_("pworacle-" + std::to_string(::getpid())) {
        checked_output({"ip", "netns", "add", name_});
        checked_output({"ip", "-n", name_, "link", "set", "lo", "up"});
    }
    ~Namespace() {
        if (farm_ > 0) {
            ::kill(farm_, SIGTERM);
            ::waitpid(farm_, nullptr, 0);
        }
        std::string cmd =
            "ip netns pids " + name_ + " | xargs -r kill -9 2>/dev/null; ip netns del " + name_;
        [[maybe_unused]] int rc = std::system(cmd.c_str());
    }
    const std::string& name() const { return name_; }

    // Starts sockfarm in the namespace and waits (up to 10 s) for its ready file: its
    // contents (the farm's pids), or nullopt when it did not get ready.
    std::optional<std::string> start_sockfarm() {
        const std::string ready = "/tmp/" + name_ + ".ready";
        ::unlink(ready.c_str());
        start({PORTWATCH_TOOLS_DIR "/sockfarm", ready, "60"});
        for (int i = 0; i < 100 && ::access(ready.c_str(), F_OK) != 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (::access(ready.c_str(), F_OK) != 0) {
            return std::nullopt;
        }
        std::ostringstream text;
        text << std::ifstream(ready).rdbuf();
        ::unlink(ready.c_str());
        return text.str();
    }
    // Starts `ip netns exec NAME program args...` in the background.
    void start(const std::vector<std::string>& program) {
        std::vector<std::string> args = {"ip", "netns", "exec", name_};
        args.insert(args.end(), program.begin(), program.end());
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        ASSERT_EQ(posix_spawnp(&farm_, "ip", nullptr, nullptr, argv.data(), environ), 0);
    }

  private:
    std::string name_;
    pid_t farm_ = -1;
};

// (proto, family, local addr, local port, remote addr, remote port, state, pids)
using Row =
    std::tuple<std::string, int, IpAddress, int, IpAddress, int, TcpState, std::vector<int>>;

IpAddress address(std::string text, bool v6) {
    if (text == "*") {
        return IpAddress::any(v6 ? portwatch::core::Family::Ipv6 : portwatch::core::Family::Ipv4);
    }
    if (text.size() > 1 && text.front() == '[') {
        text = text.substr(1, text.size() - 2);
    }
    if (auto pct = text.find('%'); pct != std::string::npos) {
        text.erase(pct);  // ss adds %interface for bound devices
    }
    auto ip = IpAddress::parse(text);
    EXPECT_TRUE(ip) << text;
    return ip ? *ip : IpAddress();
}

std::pair<IpAddress, int> endpoint(const std::string& text, bool v6) {
    auto colon = text.rfind(':');
    std::string port = text.substr(colon + 1);
    return {address(text.substr(0, colon), v6), port == "*" ? 0 : std::stoi(port)};
}

// ss -tanpH / -uanpH: "STATE RECV-Q SEND-Q LOCAL PEER [users:((...))]"
std::vector<Row> parse_ss(const std::string& text, const std::string& proto, bool v6) {
    std::vector<Row> rows;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string state, rq, sq, local, peer;
        if (!(f >> state >> rq >> sq >> local >> peer)) {
            continue;
        }
        std::vector<int> pids;
        for (auto pos = line.find("pid="); pos != std::string::npos;
             pos = line.find("pid=", pos + 4)) {
            pids.push_back(std::stoi(line.substr(pos + 4)));
        }
        std::sort(pids.begin(), pids.end());
        pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
        auto parsed = portwatch::core::parse_state(state);
        EXPECT_TRUE(parsed) << state;
        auto [la, lp] = endpoint(local, v6);
        auto [ra, rp] = endpoint(peer, v6);
        rows.emplace_back(proto, v6 ? 6 : 4, la, lp, ra, rp, parsed.value_or(TcpState::Unknown),
                          pids);
    }
    return rows;
}

std::vector<Row> parse_portwatch(const nlohmann::json& doc) {
    std::vector<Row> rows;
    for (const auto& s : doc.at("sockets")) {
        bool v6 = s.at("family") == "ipv6";
        auto state = portwatch::core::parse_state(s.at("state").get<std::string>());
        EXPECT_TRUE(state);
        rows.emplace_back(s.at("proto").get<std::string>(), v6 ? 6 : 4,
                          address(s.at("local").at("address"), v6), s.at("local").at("port"),
                          address(s.at("remote").at("address"), v6), s.at("remote").at("port"),
                          state.value_or(TcpState::Unknown),
                          // ss names descriptor holders only: a maker recorded by a running
                          // monitor ("exact", for TIME_WAIT) is beyond the oracle.
                          s.at("attribution") == "exact" ? std::vector<int>{}
                                                         : s.at("pids").get<std::vector<int>>());
    }
    return rows;
}

std::string describe(const std::vector<Row>& rows) {
    std::ostringstream out;
    for (const auto& [proto, family, la, lp, ra, rp, state, pids] : rows) {
        out << proto << family << ' ' << la.to_string() << ':' << lp << ' ' << ra.to_string() << ':'
            << rp << ' '
            << portwatch::core::state_name(
                   proto == "tcp" ? portwatch::core::Protocol::Tcp : portwatch::core::Protocol::Udp,
                   state)
            << " pids";
        for (int p : pids) {
            out << ' ' << p;
        }
        out << '\n';
    }
    return out.str();
}

TEST(Oracle, SnapshotEqualsSsForTheSameNamespace) {
    if (!require_root("the oracle test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    Namespace ns;
    auto ready = ns.start_sockfarm();
    ASSERT_TRUE(ready) << "sockfarm did not get ready";
    int farm_pid = 0, child_pid = 0;
    std::istringstream(*ready) >> farm_pid >> child_pid;

    for (const char* owners : {"proc", "auto"}) {
        SCOPED_TRACE(owners);
        auto doc =
            nlohmann::json::parse(checked_output({PORTWATCH_BINARY, "snapshot", "--json", "--netns",
                                                  ns.name(), std::string("--owners=") + owners}));
        std::vector<Row> expected;
        for (bool v6 : {false, true}) {
            std::string fam = v6 ? "-6" : "-4";
            auto tcp = parse_ss(
                checked_output({"ip", "netns", "exec", ns.name(), "ss", "-tanpH", fam}), "tcp", v6);
            auto udp = parse_ss(
                checked_output({"ip", "netns", "exec", ns.name(), "ss", "-uanpH", fam}), "udp", v6);
            expected.insert(expected.end(), tcp.begin(), tcp.end());
            expected.insert(expected.end(), udp.begin(), udp.end());
        }
        std::vector<Row> actual = parse_portwatch(doc);
        // ss from iproute2 6.1 does not ask for bound-only sockets (TCP_BOUND_INACTIVE, 6.8+);
        // portwatch does: check that one on its own, then compare the rest one to one.
        auto bound = std::find_if(actual.begin(), actual.end(),
                                  [](const Row& r) { return std::get<6>(r) == TcpState::Bound; });
        ASSERT_NE(bound, actual.end()) << "the bound-only socket 127.0.0.1:7050 is missing";
        EXPECT_EQ(std::get<3>(*bound), 7050);
        EXPECT_EQ(std::get<7>(*bound), std::vector<int>{farm_pid});
        actual.erase(bound);
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
        EXPECT_EQ(describe(actual), describe(expected));

        // The set is the one sockfarm builds, not an empty agreement.
        auto count = [&](TcpState state) {
            return std::count_if(actual.begin(), actual.end(), [&](const Row& r) {
                return std::get<0>(r) == "tcp" && std::get<6>(r) == state;
            });
        };
        EXPECT_EQ(count(TcpState::Listen), 3);
        EXPECT_EQ(count(TcpState::Established), 12);
        EXPECT_EQ(count(TcpState::TimeWait), 2);
        EXPECT_EQ(count(TcpState::CloseWait), 1);
        EXPECT_EQ(count(TcpState::FinWait2), 1);
        auto shared = std::find_if(actual.begin(), actual.end(), [](const Row& r) {
            return std::get<6>(r) == TcpState::Listen && std::get<3>(r) == 7002;
        });
        ASSERT_NE(shared, actual.end());
        EXPECT_EQ(std::get<7>(*shared),
                  (std::vector<int>{std::min(farm_pid, child_pid), std::max(farm_pid, child_pid)}));
        EXPECT_EQ(doc.at("netns").at("name"), ns.name());
        EXPECT_EQ(doc.at("source").at("sockets"), "netlink");
    }
}

// Port binding (explicit bind() or automatic) two ways: with the default owner pass, which on
// eBPF reads each descriptor's port lock and asks the kernel only about sockets no descriptor
// holds (sockfarm's orphaned FIN_WAIT2), and with --owners=none, which asks the kernel's
// explicit-bind query about every socket. Both must agree socket by socket.
TEST(Oracle, PortBindingAgreesWithTheKernelQuery) {
    if (!require_root("the oracle test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    Namespace ns;
    ASSERT_TRUE(ns.start_sockfarm()) << "sockfarm did not get ready";
    auto bindings = [&](const char* owners) {
        auto doc =
            nlohmann::json::parse(checked_output({PORTWATCH_BINARY, "snapshot", "--json", "--netns",
                                                  ns.name(), std::string("--owners=") + owners}));
        std::map<std::string, std::string> out;
        for (const auto& s : doc.at("sockets")) {
            std::string key = s.at("proto").get<std::string>() + ' ' +
                              s.at("state").get<std::string>() + ' ' +
                              s.at("local").at("address").get<std::string>() + ':' +
                              std::to_string(s.at("local").at("port").get<int>()) + ' ' +
                              s.at("remote").at("address").get<std::string>() + ':' +
                              std::to_string(s.at("remote").at("port").get<int>());
            out[key] = s.at("binding").get<std::string>();
        }
        return out;
    };
    auto with_owners = bindings("auto");
    auto kernel_only = bindings("none");
    ASSERT_GE(kernel_only.size(), 20u);
    EXPECT_EQ(with_owners, kernel_only);
    EXPECT_EQ(kernel_only["tcp LISTEN 127.0.0.1:7000 0.0.0.0:0"], "explicit");
    EXPECT_EQ(kernel_only["tcp BOUND 127.0.0.1:7050 0.0.0.0:0"], "explicit");
    EXPECT_EQ(kernel_only["udp UNCONN 127.0.0.1:7100 0.0.0.0:0"], "explicit");
    for (const auto& [key, binding] : with_owners) {
        EXPECT_NE(binding, "unknown") << key;
        if (key.starts_with("tcp TIME_WAIT")) {
            EXPECT_EQ(binding, "auto") << key;
        }
    }
    // The orphan (no descriptor) is there, so the fallback query was exercised.
    EXPECT_TRUE(std::any_of(with_owners.begin(), with_owners.end(),
                            [](const auto& e) { return e.first.starts_with("tcp FIN_WAIT2"); }));
}

// The monitor's snapshots keep port bindings (collect::BindingCache) and ask the kernel's
// explicit-bind query only about sockets the last one did not have: without owners, the
// second of two such snapshots must say what a one-off snapshot says, socket by socket,
// having taken the bindings of every socket it saw before from the first.
TEST(Oracle, PortBindingKeptBetweenSnapshotsAgreesWithAFreshQuery) {
    if (!require_root("the oracle test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    Namespace ns;
    ASSERT_TRUE(ns.start_sockfarm()) << "sockfarm did not get ready";
    portwatch::collect::LiveOptions fresh;
    fresh.owners = false;
    fresh.platform.netns = ns.name();
    portwatch::collect::LiveOptions kept = fresh;
    portwatch::collect::keep_owners_between_snapshots(kept);
    ASSERT_TRUE(kept.platform.bindings);
    auto bindings = [](const portwatch::core::Snapshot& snap) {
        std::map<std::uint64_t, portwatch::core::PortBinding> out;
        for (const auto& s : snap.sockets) {
            if (s.cookie != 0 && s.state != TcpState::TimeWait) {
                out[s.cookie] = s.binding;
            }
        }
        return out;
    };
    auto first = portwatch::collect::take_live_snapshot(kept);
    ASSERT_TRUE(first) << first.error().message;
    auto second = portwatch::collect::take_live_snapshot(kept);
    ASSERT_TRUE(second) << second.error().message;
    auto reference = portwatch::collect::take_live_snapshot(fresh);
    ASSERT_TRUE(reference) << reference.error().message;
    auto got = bindings(*second);
    auto want = bindings(*reference);
    ASSERT_GE(want.size(), 20u);
    // sockfarm's sockets stay put between the snapshots (its TIME_WAIT ones aside).
    EXPECT_EQ(got, want);
    EXPECT_EQ(kept.platform.bindings->last_filled(), got.size());
    for (const auto& [cookie, binding] : got) {
        EXPECT_NE(binding, portwatch::core::PortBinding::Unknown) << cookie;
    }
    EXPECT_TRUE(std::any_of(got.begin(), got.end(), [](const auto& e) {
        return e.second == portwatch::core::PortBinding::Explicit;
    }));
}

// The /proc/net fallback sees the same tuples (it has no cookies and no bound-only sockets).
TEST(Oracle, ProcfsFallbackMatchesNetlink) {
    if (!require_root("the oracle test (it creates a network namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    Namespace ns;
    ASSERT_TRUE(ns.start_sockfarm()) << "sockfarm did not get ready";
    auto netlink = parse_portwatch(nlohmann::json::parse(checked_output(
        {PORTWATCH_BINARY, "snapshot", "--json", "--netns", ns.name(), "--source=netlink"})));
    auto procfs = parse_portwatch(nlohmann::json::parse(checked_output(
        {PORTWATCH_BINARY, "snapshot", "--json", "--netns", ns.name(), "--source=procfs"})));
    std::erase_if(netlink, [](const Row& r) { return std::get<6>(r) == TcpState::Bound; });
    std::sort(netlink.begin(), netlink.end());
    std::sort(procfs.begin(), procfs.end());
    EXPECT_EQ(describe(procfs), describe(netlink));
    EXPECT_GE(procfs.size(), 20u);
}

}  // namespace
