#include "sys/shell_child.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <utility>

#include "sys/unique_fd.h"

extern char** environ;

namespace portwatch::sys {

namespace {

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnSetup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

Result<ShellChild> ShellChild::spawn(const std::string& command, std::string_view input,
                                     std::size_t& sent) {
    sent = 0;
    // A socket pair rather than a pipe: send(MSG_NOSIGNAL) cannot raise SIGPIPE when the
    // command exits without reading, and MSG_DONTWAIT never waits for it to read.
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return make_errno_error(errno, "socketpair");
    }
    UniqueFd ours(fds[0]), theirs(fds[1]);
    SpawnSetup setup;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT}) {
        sigaddset(&defaults, sig);
    }
    posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawn_file_actions_adddup2(&setup.actions, theirs.get(), 0);
    posix_spawn_file_actions_adddup2(&setup.actions, 2, 1);
    std::string sh = "/bin/sh", dash_c = "-c", text = command;
    char* argv[] = {sh.data(), dash_c.data(), text.data(), nullptr};
    pid_t pid = 0;
    if (int rc = posix_spawn(&pid, "/bin/sh", &setup.actions, &setup.attr, argv, environ);
        rc != 0) {
        return make_errno_error(rc, "/bin/sh -c");
    }
    ShellChild child(pid);
    theirs.reset();
    while (sent < input.size()) {
        ssize_t n =
            send(ours.get(), input.data() + sent, input.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        sent += static_cast<std::size_t>(n);
    }
    shutdown(ours.get(), SHUT_WR);  // end of its input once it read what was sent
    return child;
}

ShellChild::ShellChild(ShellChild&& other) noexcept : pid_(std::exchange(other.pid_, 0)) {}

ShellChild& ShellChild::operator=(ShellChild&& other) noexcept {
    if (this != &other) {
        reset();
        pid_ = std::exchange(other.pid_, 0);
    }
    return *this;
}

ShellChild::~ShellChild() {
    reset();
}

void ShellChild::reset() {
    if (pid_ <= 0) {
        return;
    }
    kill_group();
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
}

std::optional<int> ShellChild::poll() {
    if (pid_ <= 0) {
        return 0;
    }
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) {
        return std::nullopt;
    }
    pid_ = 0;
    if (r < 0) {
        return 0;  // reaped elsewhere (ECHILD): nothing left to wait for
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ShellChild::kill_group() {
    if (pid_ > 0) {
        kill(-pid_, SIGKILL);
    }
}

}  // namespace portwatch::sys
