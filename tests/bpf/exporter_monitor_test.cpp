// `portwatch exporter --monitor` end to end on a real lab: the exporter (a child process) runs
// the monitor with the eBPF event source on the churn lab's namespace, started before the
// lab's client runs (Lab::start's before_client), and its /metrics must show what only the
// monitor knows: the client's failed connect() counted by errno, and its TIME_WAIT sockets
// attributed exactly. Needs root and eBPF; fails instead of skipping when CI is set.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collect/linux/bpf/bpf_event_source.h"
#include "lab/lab.h"
#include "support/process.h"
#include "sys/unique_fd.h"

extern char** environ;

namespace portwatch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Whether the monitor's eBPF source can load here; when not, a failure under CI, else a skip.
bool ebpf_loads() {
    auto source = collect::bpf::open_bpf_event_source(collect::LiveOptions{});
    if (source) {
        return true;
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "the eBPF event source cannot load: " << source.error().message;
    } else {
        std::cerr << "skipping: the eBPF event source cannot load: " << source.error().message
                  << '\n';
    }
    return false;
}

// `portwatch exporter ...` as a child, its stderr in a file; SIGTERM and reaped when it goes.
class ExporterProcess {
  public:
    ExporterProcess() {
        const auto dir = std::filesystem::temp_directory_path();
        err_path_ = dir / ("pw-exporter-monitor-" + std::to_string(::getpid()) + ".err");
    }
    ~ExporterProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
                std::this_thread::sleep_for(50ms);
            }
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ignored;
        std::filesystem::remove(err_path_, ignored);
    }
    ExporterProcess(const ExporterProcess&) = delete;
    ExporterProcess& operator=(const ExporterProcess&) = delete;

    // Starts it and waits (at most 30 s) for its "serving" line: the monitor, and so its eBPF
    // source, is up by then (run_exporter creates it before the server).
    bool start(const std::vector<std::string>& args) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<char*> argv;
        for (const auto& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            pid_ = -1;
            return false;
        }
        const std::regex serving(R"(serving http://127\.0\.0\.1:(\d+)/metrics)");
        for (const auto deadline = Clock::now() + 30s; Clock::now() < deadline;) {
            std::smatch m;
            const std::string err = stderr_text();
            if (std::regex_search(err, m, serving)) {
                port_ = std::stoi(m[1].str());
                return true;
            }
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    int port() const { return port_; }
    std::string stderr_text() const {
        std::ifstream in(err_path_);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

  private:
    std::filesystem::path err_path_;
    pid_t pid_ = -1;
    int port_ = 0;
};

// The body of GET /metrics on 127.0.0.1:port ("" on any failure).
std::string scrape(int port) {
    sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        return {};
    }
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        return {};
    }
    std::string response;
    char buf[65536];
    for (const auto deadline = Clock::now() + 20s; Clock::now() < deadline;) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 1000) < 0) {
            break;
        }
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) {
            break;
        }
        if (n > 0) {
            response.append(buf, static_cast<std::size_t>(n));
        }
    }
    const auto body = response.find("\r\n\r\n");
    return response.starts_with("HTTP/1.1 200") && body != std::string::npos
               ? response.substr(body + 4)
               : std::string();
}

// The value of the sample `name{labels}` (labels exactly as the exposition writes them).
std::optional<double> sample(const std::string& metrics, const std::string& series) {
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(series + " ")) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return std::nullopt;
}

TEST(ExporterMonitor, ExportsTheLabClientsFailuresAndExactTimeWait) {
    if (!testing::require_root("the exporter with the monitor's eBPF source")) {
        GTEST_SKIP() << "needs root";
    }
    if (!ebpf_loads()) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    ExporterProcess exporter;
    bool started = false;
    std::string netns;
    auto lab = lab::Lab::start({lab::Pattern::Churn, 0}, [&](const std::string& lab_netns) {
        netns = lab_netns;
        started = exporter.start({PORTWATCH_BINARY, "exporter", "--monitor", "--source", "ebpf",
                                  "--netns", lab_netns, "--listen", "127.0.0.1:0", "--interval",
                                  "500ms", "--cache", "0s"});
    });
    ASSERT_TRUE(lab) << lab.error().message;
    ASSERT_TRUE(started) << "the exporter did not start:\n" << exporter.stderr_text();
    const auto& o = lab->outcome();
    ASSERT_EQ(o.error, EADDRNOTAVAIL) << o.story;
    ASSERT_EQ(o.netns, netns);

    const std::string where = "netns=\"" + netns + "\",process=\"" + o.client_name + "\"";
    const std::string failures =
        "portwatch_allocation_failures_total{" + where + ",errno=\"EADDRNOTAVAIL\"}";
    const std::string exact =
        "portwatch_process_time_wait_sockets{" + where + ",attribution=\"exact\"}";
    const std::string server_exact = "portwatch_process_time_wait_sockets{netns=\"" + netns +
                                     "\",process=\"" + o.server_name + "\",attribution=\"exact\"}";
    // The monitor samples every 500 ms: its state catches up with the lab within a few.
    std::string metrics;
    for (const auto deadline = Clock::now() + 20s; Clock::now() < deadline;) {
        metrics = scrape(exporter.port());
        if (sample(metrics, failures).value_or(0) > 0 && sample(metrics, exact).value_or(0) > 0) {
            break;
        }
        std::this_thread::sleep_for(250ms);
    }
    ASSERT_FALSE(metrics.empty()) << "no scrape succeeded:\n" << exporter.stderr_text();
    // The lab's client failed once, with EADDRNOTAVAIL; nothing else in the namespace did.
    EXPECT_GE(sample(metrics, failures).value_or(0), 1) << metrics;
    // Its TIME_WAIT sockets (one per connection it closed) are its own, exactly; the server,
    // whose softirq runs the client's packets on loopback, made none.
    const double tw = sample(metrics, exact).value_or(0);
    EXPECT_GT(tw, 0) << metrics;
    EXPECT_LE(tw, o.succeeded) << metrics;
    EXPECT_GE(tw * 2, o.succeeded - 1) << "most of them, not a few: " << metrics;
    EXPECT_EQ(sample(metrics, server_exact).value_or(0), 0) << metrics;
}

}  // namespace
}  // namespace portwatch
