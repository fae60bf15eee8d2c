// top_driver: the terminal loop of `portwatch top` (tui/run.h) on a scripted feed, for the
// tmux test of keys, resizes and terminal restore that does not depend on a live monitor.
//
//   top_driver [FAIL_AFTER [STEP_MS]]
//
// Forty processes ("svc-00".."svc-39", ports 10..49, one named with escape sequences), three
// pools; every step (STEP_MS, default 200 ms) adds a port to svc-00. With FAIL_AFTER >= 0, the
// step after that many fails with "scripted failure", which must end the view with the
// terminal restored. A step waits like the monitor's: the view's interrupt ends it at once.
// Exit status: 0 quit, 1 error (message on stderr), 128 + signal.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "render/utf8.h"
#include "tui/run.h"

namespace {

using namespace portwatch;

monitor::MonitorState initial() {
    monitor::MonitorState s;
    s.at = std::chrono::system_clock::now();
    s.source = "scripted";
    s.source_why = "scripted: top_driver test feed";
    for (int i = 0; i < 3; ++i) {
        monitor::PoolView p;
        p.pool = "10.0.0.1 -> 10.0.0." + std::to_string(i + 2) + ":443";
        p.kind = "tcp-connect";
        p.size = 1000;
        p.used = static_cast<std::uint32_t>(900 - 300 * i);
        p.free = p.size - p.used;
        p.utilisation = p.used / 1000.0;
        p.severity = i == 0 ? analyze::Severity::Critical : analyze::Severity::Ok;
        p.used_per_minute = 30;
        p.seconds_left = p.free * 2.0;
        p.recent_used = {p.used - 20, p.used - 10, p.used};
        s.pools.push_back(p);
    }
    for (int i = 0; i < 40; ++i) {
        monitor::ProcessView p;
        p.pid = 5000 + i;
        char name[16];
        std::snprintf(name, sizeof name, "svc-%02d", i);
        p.name = i == 7 ? std::string("evil\x1b[2J\x1b]0;pwned\x07") : name;
        p.ports = static_cast<std::uint32_t>(10 + i);
        p.time_wait = static_cast<std::uint32_t>(i % 5);
        p.time_wait_exact = p.time_wait;
        p.failures_per_second = i == 3 ? 9.5 : 0;
        p.top_destination = "10.0.0.2:443";
        p.recent_ports = {p.ports};
        s.processes.push_back(p);
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    long fail_after = argc > 1 ? std::strtol(argv[1], nullptr, 10) : -1;
    const std::chrono::milliseconds step_time{argc > 2 ? std::strtol(argv[2], nullptr, 10) : 200};
    monitor::MonitorState state = initial();
    long steps = 0;
    std::mutex mutex;
    std::condition_variable wake;
    bool interrupted = false;
    tui::Feed feed{[&]() -> Result<void> {
                       {
                           std::unique_lock lock(mutex);
                           if (wake.wait_for(lock, step_time, [&] { return interrupted; })) {
                               return {};
                           }
                       }
                       if (fail_after >= 0 && steps >= fail_after) {
                           return make_error("scripted failure");
                       }
                       ++steps;
                       state.at = std::chrono::system_clock::now();
                       state.processes[0].ports += 1;
                       state.processes[0].recent_ports.push_back(state.processes[0].ports);
                       return {};
                   },
                   [&] { return state; },
                   [&] {
                       std::lock_guard lock(mutex);
                       interrupted = true;
                       wake.notify_all();
                   }};
    tui::RunOptions options;
    options.view.interval = step_time;
    auto ended = tui::run_terminal(feed, options);
    if (!ended) {
        std::fprintf(stderr, "top_driver: %s\n",
                     render::terminal_safe(ended.error().message).c_str());
        return 1;
    }
    return ended->signal == 0 ? 0 : 128 + ended->signal;
}
