#include "support/tmux.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "support/process.h"

namespace portwatch::testing {

namespace {

std::atomic<int> sessions{0};

}  // namespace

bool require_tmux() {
    if (run_argv({"tmux", "-V"}).code == 0) {
        return true;
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "tmux is not installed (scripts/setup.sh installs it); CI must run the "
                         "terminal tests, not skip them";
    }
    return false;
}

TmuxSession::TmuxSession(const std::string& command, int cols, int rows)
    : socket_("pwtest-" + std::to_string(::getpid()) + "-" + std::to_string(sessions++)) {
    // -u and a UTF-8 locale: the pane keeps UTF-8 whatever the test's own locale is.
    auto r = run_argv({"env", "LC_ALL=C.UTF-8", "tmux", "-u", "-L", socket_, "-f", "/dev/null",
                       "new-session", "-d", "-s", "t", "-x", std::to_string(cols), "-y",
                       std::to_string(rows), command});
    started_ = r.code == 0;
    EXPECT_TRUE(started_) << "tmux new-session: " << r.err;
}

TmuxSession::~TmuxSession() {
    run_argv({"tmux", "-L", socket_, "kill-server"});
}

std::vector<std::string> TmuxSession::tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"env", "LC_ALL=C.UTF-8", "tmux", "-u", "-L", socket_});
    auto r = run_argv(args);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        line.erase(line.find_last_not_of(' ') + 1);
        lines.push_back(line);
    }
    return lines;
}

std::vector<std::string> TmuxSession::capture() const {
    return tmux({"capture-pane", "-p", "-t", "t"});
}

std::string TmuxSession::screen() const {
    std::string all;
    for (const auto& l : capture()) {
        all += l + "\n";
    }
    return all;
}

void TmuxSession::send(const std::string& keys, bool literal) const {
    if (literal) {
        tmux({"send-keys", "-t", "t", "-l", keys});
    } else {
        tmux({"send-keys", "-t", "t", keys});
    }
}

void TmuxSession::resize(int cols, int rows) const {
    tmux({"resize-window", "-t", "t", "-x", std::to_string(cols), "-y", std::to_string(rows)});
}

bool TmuxSession::wait_for(const std::function<bool(const std::string&)>& ready,
                           std::chrono::milliseconds timeout) const {
    auto until = std::chrono::steady_clock::now() + timeout;
    do {
        if (ready(screen())) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < until);
    return false;
}

bool TmuxSession::wait_for_text(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_for([&](const std::string& s) { return s.find(text) != std::string::npos; },
                    timeout);
}

}  // namespace portwatch::testing
