#pragma once
// A tmux server of the test's own (its own socket, no user configuration) running one command
// in a detached session of a given size; the server and everything in it go with the object.
// For `portwatch top`'s tests: send-keys in, capture-pane out.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace portwatch::testing {

// True when tmux runs here. Without it: false (the caller skips), and with CI set also a
// test failure: CI must never pass by skipping.
bool require_tmux();

class TmuxSession {
  public:
    // `command` runs under /bin/sh in a window `cols` x `rows`.
    TmuxSession(const std::string& command, int cols, int rows);
    ~TmuxSession();
    TmuxSession(const TmuxSession&) = delete;
    TmuxSession& operator=(const TmuxSession&) = delete;

    bool started() const { return started_; }
    // What the pane shows now, one string per line, trailing blanks removed.
    std::vector<std::string> capture() const;
    std::string screen() const;  // the same joined with '\n'
    // tmux key names ("q", "Enter", "F6", "NPage") or literal text with `literal`.
    void send(const std::string& keys, bool literal = false) const;
    void resize(int cols, int rows) const;
    // Polls the pane until `ready(screen())` or the timeout; the last screen on failure.
    bool wait_for(const std::function<bool(const std::string&)>& ready,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    bool wait_for_text(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  private:
    std::vector<std::string> tmux(std::vector<std::string> args) const;
    std::string socket_;
    bool started_ = false;
};

}  // namespace portwatch::testing
