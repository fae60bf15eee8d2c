#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace portwatch::testing {

struct CommandResult {
    int code = -1;  // exit status; -1 when it could not run or died of a signal
    std::string out;
    std::string err;
};

// Runs argv (looked up in PATH) to completion, stdout and stderr captured separately.
CommandResult run_argv(const std::vector<std::string>& argv);

// stdout of argv; a failed run or a non-zero exit is a test failure.
std::string checked_output(const std::vector<std::string>& argv);

// Runs a /bin/sh command line the same way. Anything it leaves in the background must not
// hold its stdout or stderr open (redirect them), or this waits for it.
CommandResult run_shell(const std::string& command_line);

// Runs `body` as pid 1 of a new pid namespace, in a mount namespace of its own with a private
// /proc (as that namespace numbers processes), in forked children; returns "" when body
// returned "", else what it returned or why it could not run. Root. No gtest assertions in
// `body`: it runs in another process.
std::string in_new_pid_namespace(const std::function<std::string()>& body);

// True when a root-only test may go on. Without root it returns false (the caller skips),
// and with CI set it also records a failure: CI must never pass by skipping.
bool require_root(std::string_view why);

}  // namespace portwatch::testing
