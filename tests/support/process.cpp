#include "support/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace portwatch::testing {

std::string in_new_pid_namespace(const std::function<std::string()>& body) {
    int report[2];
    if (::pipe(report) != 0) {
        return std::string("pipe: ") + std::strerror(errno);
    }
    pid_t outer = ::fork();
    if (outer < 0) {
        return std::string("fork: ") + std::strerror(errno);
    }
    if (outer == 0) {
        ::close(report[0]);
        auto say = [&](const std::string& text) {
            [[maybe_unused]] auto n = ::write(report[1], text.data(), text.size());
        };
        if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
            say(std::string("unshare: ") + std::strerror(errno));
            ::_exit(1);
        }
        pid_t first = ::fork();  // pid 1 of the new namespace
        if (first == 0) {
            std::string problems;
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
                problems = std::string("cannot mount a private /proc: ") + std::strerror(errno);
            } else {
                problems = body();
            }
            say(problems);
            ::_exit(problems.empty() ? 0 : 1);
        }
        int status = 0;
        ::waitpid(first, &status, 0);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
    }
    ::close(report[1]);
    std::string problems;
    char buffer[4096];
    for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) {
        problems.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
    int status = 0;
    if (::waitpid(outer, &status, 0) != outer) {
        return problems + "waitpid failed";
    }
    if (problems.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        return "the pid namespace's process ended with status " + std::to_string(status);
    }
    return problems;
}

CommandResult run_argv(const std::vector<std::string>& args) {
    CommandResult r;
    int out[2], err[2];
    if (args.empty() || ::pipe2(out, O_CLOEXEC) != 0) {
        return r;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        ::close(out[0]);
        ::close(out[1]);
        return r;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> argv;
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    // Both pipes at once: a child that fills one while we block on the other would hang.
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open = rc == 0 ? 2 : 0;
    char buf[65536];
    while (open > 0 && ::poll(fds, 2, -1) > 0) {
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else {
                fds[i].fd = -1;
                --open;
            }
        }
    }
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    if (rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
        r.code = WEXITSTATUS(status);
    }
    return r;
}

std::string checked_output(const std::vector<std::string>& argv) {
    CommandResult r = run_argv(argv);
    if (r.code != 0) {
        ADD_FAILURE() << "command failed (exit " << r.code << "): " << argv.front() << ' '
                      << (argv.size() > 1 ? argv[1] : "") << "\n"
                      << r.err;
    }
    return std::move(r.out);
}

CommandResult run_shell(const std::string& command_line) {
    return run_argv({"/bin/sh", "-c", command_line});
}

bool require_root(std::string_view why) {
    if (::geteuid() == 0) {
        return true;
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << why << " needs root; CI must run it, not skip it";
    }
    return false;
}

}  // namespace portwatch::testing
