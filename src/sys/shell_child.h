#pragma once
// A child process running `/bin/sh -c COMMAND` with some bytes on its standard input, owned
// like a descriptor: the destructor kills what is still running and reaps it, so no child is
// ever left a zombie. For commands a long-running portwatch starts on an event (the monitor's
// --on-alert), which must never block it.

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace portwatch::sys {

class ShellChild {
  public:
    // Starts the command in a process group of its own, with default signal handling and an
    // empty signal mask, `input` on its standard input (written without waiting: what does
    // not fit the socket buffer, or what a command that exits at once does not read, is cut
    // off; `sent` says how much went) and its standard output on our standard error.
    static Result<ShellChild> spawn(const std::string& command, std::string_view input,
                                    std::size_t& sent);
    ShellChild(ShellChild&& other) noexcept;
    ShellChild& operator=(ShellChild&& other) noexcept;
    ShellChild(const ShellChild&) = delete;
    ShellChild& operator=(const ShellChild&) = delete;
    ~ShellChild();

    // The exit status once it ended (reaped then; a signal's death is 128 + the signal),
    // nullopt while it runs. Does not wait.
    std::optional<int> poll();
    // SIGKILL to its whole process group (a pipeline's commands too).
    void kill_group();
    pid_t pid() const { return pid_; }

  private:
    explicit ShellChild(pid_t pid) : pid_(pid) {}
    void reset();
    pid_t pid_ = 0;
};

}  // namespace portwatch::sys
