// The Windows build really runs: build/mingw/portwatch.exe under wine while this test (a Linux
// process) holds loopback listeners and connections on ports it chose. Wine's
// GetExtendedTcpTable returns the host's real rows with owning PID 0, so the exe must list
// exactly these sockets, in these states, on these ports, through the Windows code path
// (iphlpapi tables, MIB rows, the Windows pool model in diagnose).
//
// Without wine or the exe the test skips, except with CI set: then it fails (CI must run it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"

namespace {

using portwatch::testing::CommandResult;
using portwatch::testing::run_argv;
using Json = nlohmann::json;

class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset();
        fd_ = std::exchange(o.fd_, -1);
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

  private:
    int fd_;
};

struct Endpoint {
    std::string address;
    int port = 0;
};

sockaddr_in v4(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// A TCP socket bound to a free loopback port inside the Windows dynamic range 49152-65535
// (the pool diagnose models), tried from a random start.
Fd bound_tcp(std::mt19937& rng) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        int port = std::uniform_int_distribution<int>(49152, 65000)(rng);
        Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        auto a = v4(port);
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            return fd;
        }
    }
    ADD_FAILURE() << "no free loopback port in 49152-65000";
    return Fd();
}

struct Row {
    std::string state;
    int local = 0;
    int remote = 0;
};

// The sockets this test holds while the exe looks.
struct Farm {
    std::vector<Fd> fds;
    std::vector<Row> expect;
    int listen_port = 0;
    int udp_port = 0;

    explicit Farm(std::mt19937& rng) {
        Fd listener = bound_tcp(rng);
        EXPECT_EQ(::listen(listener.get(), 16), 0);
        listen_port = local_port(listener.get());
        expect.push_back({"LISTEN", listen_port, 0});
        auto server = v4(listen_port);
        auto connect = [&](Fd& c) {
            EXPECT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&server), sizeof server), 0);
            return Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        };
        // Two ESTABLISHED pairs.
        for (int i = 0; i < 2; ++i) {
            Fd c = bound_tcp(rng);
            Fd a = connect(c);
            expect.push_back({"ESTABLISHED", local_port(c.get()), listen_port});
            expect.push_back({"ESTABLISHED", listen_port, local_port(c.get())});
            fds.push_back(std::move(c));
            fds.push_back(std::move(a));
        }
        // The client closes first: TIME_WAIT on its port.
        {
            Fd c = bound_tcp(rng);
            Fd a = connect(c);
            int port = local_port(c.get());
            c.reset();
            char byte;
            EXPECT_EQ(::read(a.get(), &byte, 1), 0);  // the client's FIN
            a.reset();
            expect.push_back({"TIME_WAIT", port, listen_port});
        }
        // The server closes first and the client never does: CLOSE_WAIT and FIN_WAIT2.
        {
            Fd c = bound_tcp(rng);
            Fd a = connect(c);
            a.reset();
            expect.push_back({"CLOSE_WAIT", local_port(c.get()), listen_port});
            fds.push_back(std::move(c));
        }
        fds.push_back(std::move(listener));
        // Inherited on purpose (no SOCK_CLOEXEC): the exe itself then holds this socket, and
        // wine names the owner of sockets its own processes hold. Every other row shows
        // owning PID 0, as wine reports the sockets of Linux processes.
        Fd udp(::socket(AF_INET, SOCK_DGRAM, 0));
        auto any = v4(0);
        EXPECT_EQ(::bind(udp.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
        udp_port = local_port(udp.get());
        fds.push_back(std::move(udp));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // FINs delivered
    }
};

std::string exe_path() {
    return PORTWATCH_WINDOWS_EXE;
}

bool have_wine_and_exe() {
    bool wine = run_argv({"sh", "-c", "command -v wine"}).code == 0;
    bool exe = std::filesystem::exists(exe_path());
    if (wine && exe) {
        return true;
    }
    std::string why = !wine ? "wine is not installed (scripts/setup.sh)"
                            : exe_path() + " is missing (scripts/build-windows.sh)";
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << why << "; CI must run the Windows test, not skip it";
    }
    return false;
}

// Starts the prefix's server and services once, before the test opens any socket: whatever
// wine starts inherits the caller's descriptors, and only portwatch.exe may own the test's UDP
// socket.
void start_wine() {
    // A prefix of the build tree's own (made on first use, ~25 s), quiet, without Mono/Gecko
    // installers; its wineserver stays up 30 s after the last run, so that each run takes
    // under a second instead of starting wine's services again (~5 s).
    // (An exit status other than 0 means one already serves the prefix: as good.)
    [[maybe_unused]] static const int started = [] {
        ::setenv("WINEPREFIX", PORTWATCH_WINEPREFIX, 1);
        ::setenv("WINEDEBUG", "-all", 1);
        ::setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 1);
        // The server goes to the background: it must not hold the pipes run_argv reads.
        // Then wineboot, also on /dev/null: a cold prefix starts its services (winedevice.exe)
        // from the first wine process, and they inherit its descriptors; started from a test
        // run they held the pipes run_argv reads, and the test hung until ctest's timeout.
        return run_argv({"sh", "-c",
                         "timeout 20 wineserver -p 30 </dev/null >/dev/null 2>&1; "
                         "timeout 120 wine wineboot </dev/null >/dev/null 2>&1"})
            .code;
    }();
}

CommandResult wine(const std::vector<std::string>& args) {
    start_wine();
    std::vector<std::string> argv{"timeout", "180", "wine", exe_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_argv(argv);
}

const Json* find_socket(const Json& sockets, const std::string& proto, const Row& row) {
    for (const auto& s : sockets) {
        if (s["proto"] == proto && s["local"]["address"] == "127.0.0.1" &&
            s["local"]["port"] == row.local && s["remote"]["port"] == row.remote &&
            s["state"] == row.state) {
            return &s;
        }
    }
    return nullptr;
}

TEST(WineExe, SnapshotAndDiagnoseSeeTheTestsSockets) {
    if (!have_wine_and_exe()) {
        GTEST_SKIP() << "wine or " << exe_path() << " missing";
    }
    start_wine();
    std::mt19937 rng(std::random_device{}());
    Farm farm(rng);

    auto snap = wine({"snapshot", "--json"});
    ASSERT_EQ(snap.code, 0) << snap.err;
    Json doc = Json::parse(snap.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << snap.out.substr(0, 2000);
    EXPECT_EQ(doc["source"]["sockets"], "iphlpapi");
    const auto& sockets = doc["sockets"];
    for (const auto& row : farm.expect) {
        const Json* s = find_socket(sockets, "tcp", row);
        EXPECT_NE(s, nullptr) << row.state << " 127.0.0.1:" << row.local << " -> :" << row.remote
                              << " missing from\n"
                              << snap.out.substr(0, 4000);
        if (s != nullptr) {
            EXPECT_EQ((*s)["family"], "ipv4");
            EXPECT_TRUE((*s)["pids"].empty());  // wine: owning PID 0
            if (row.state == "LISTEN") {
                EXPECT_EQ((*s)["remote"]["address"], "0.0.0.0");
            }
        }
    }
    const Json* udp = find_socket(sockets, "udp", {"UNCONN", farm.udp_port, 0});
    ASSERT_NE(udp, nullptr) << "UDP 127.0.0.1:" << farm.udp_port << " missing";
    // The owner path: the PID of the row, named by the process table (Toolhelp).
    ASSERT_EQ((*udp)["pids"].size(), 1u) << udp->dump();
    bool named = false;
    for (const auto& p : doc["processes"]) {
        named = named || (p["pid"] == (*udp)["pids"][0] && p["name"] == "portwatch.exe");
    }
    EXPECT_TRUE(named) << doc["processes"].dump();

    // A filter runs on the Windows path too.
    auto filtered = wine(
        {"snapshot", "--csv", "--state", "CLOSE_WAIT", "--port", std::to_string(farm.listen_port)});
    ASSERT_EQ(filtered.code, 0) << filtered.err;
    EXPECT_NE(filtered.out.find("CLOSE_WAIT"), std::string::npos) << filtered.out;
    EXPECT_EQ(filtered.out.find("ESTABLISHED"), std::string::npos) << filtered.out;

    auto diag = wine({"diagnose", "--json"});
    EXPECT_GE(diag.code, 0);
    EXPECT_LE(diag.code, 2) << diag.err;  // 3 would be UNKNOWN: the tables were not read
    Json report = Json::parse(diag.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << diag.out.substr(0, 2000);
    const Json& r = report["reports"][0];
    EXPECT_EQ(r["platform"], "windows");
    EXPECT_NE(r["verdict"], "UNKNOWN") << r["summary"];
    EXPECT_FALSE(r["host"]["windows"]["version"].get<std::string>().empty());
    // Windows pool rule: one pool per local address, every state counts; our sockets with a
    // local port in the dynamic range (listener, 2 clients, 2 accepted, TIME_WAIT,
    // CLOSE_WAIT: 7 ports, 3 of them distinct from the listener's) occupy it.
    std::uint64_t occupied = 0;
    for (const auto& p : r["pools"]) {
        if (p["kind"] == "tcp-local") {
            occupied += p["occupied"].get<std::uint64_t>();
        }
    }
    EXPECT_GE(occupied, 5u) << diag.out.substr(0, 4000);
    EXPECT_GE(r["checked"]["sockets"].get<std::uint64_t>(), farm.expect.size());

    // The help of the Windows build has no Linux-only command or option. (One test: a second
    // test process starting wine against a freshly made prefix hung; the cold path is this one.)
    auto help = wine({"--help"});
    ASSERT_EQ(help.code, 0) << help.err;
    EXPECT_NE(help.out.find("snapshot"), std::string::npos);
    EXPECT_NE(help.out.find("analyze"), std::string::npos);
    EXPECT_EQ(help.out.find("lab"), std::string::npos) << help.out;
    auto diagnose_help = wine({"diagnose", "--help"});
    EXPECT_NE(diagnose_help.out.find("Administrator"), std::string::npos) << diagnose_help.out;
    EXPECT_EQ(diagnose_help.out.find("--netns"), std::string::npos) << diagnose_help.out;
    auto lab = wine({"lab", "churn"});
    EXPECT_EQ(lab.code, 2);  // usage: unknown command
    EXPECT_NE(lab.err.find("unknown command 'lab'"), std::string::npos) << lab.err;
}

}  // namespace
