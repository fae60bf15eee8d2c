#include "monitor/alert.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>

#include "core/result.h"
#include "sys/unique_fd.h"

extern char** environ;

namespace portwatch::monitor {

std::string_view alert_kind_name(AlertKind kind) {
    return kind == AlertKind::Forecast ? "forecast" : "crossing";
}

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

void AlertRunner::run(const std::string& json, std::ostream& log) {
    if (!enabled()) {
        return;
    }
    if (reap(log) >= max_running_) {
        log << "portwatch: alert: --on-alert command not run: " << children_.size()
            << " still running\n";
        return;
    }
    // A socket pair rather than a pipe: send(MSG_NOSIGNAL) cannot raise SIGPIPE when the
    // command exits without reading, and MSG_DONTWAIT never waits for it to read.
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        log << "portwatch: alert: " << errno_error(errno, "socketpair").message << '\n';
        return;
    }
    sys::UniqueFd ours(fds[0]), theirs(fds[1]);
    SpawnSetup setup;
    // Its own process group (killed as one when late), default signal handling and an empty
    // signal mask (the monitor blocks SIGINT and SIGTERM to read them itself).
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) {
        sigaddset(&defaults, sig);
    }
    posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawn_file_actions_adddup2(&setup.actions, theirs.get(), 0);
    posix_spawn_file_actions_adddup2(&setup.actions, 2, 1);
    std::string sh = "/bin/sh", dash_c = "-c", command = command_;
    char* argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};
    pid_t pid = 0;
    int rc = posix_spawn(&pid, "/bin/sh", &setup.actions, &setup.attr, argv, environ);
    if (rc != 0) {
        log << "portwatch: alert: " << errno_error(rc, "/bin/sh -c --on-alert").message << '\n';
        return;
    }
    children_.push_back({pid, std::chrono::steady_clock::now(), false});
    theirs.reset();
    std::size_t sent = 0;
    while (sent < json.size()) {
        ssize_t n =
            send(ours.get(), json.data() + sent, json.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            // The command does not read (EPIPE) or its buffer is full: it gets what fit.
            log << "portwatch: alert: --on-alert command took " << sent << " of " << json.size()
                << " bytes of the alert\n";
            break;
        }
        sent += static_cast<std::size_t>(n);
    }
    shutdown(ours.get(), SHUT_WR);  // end of input
}

std::size_t AlertRunner::reap(std::ostream& log) {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = children_.begin(); it != children_.end();) {
        int status = 0;
        pid_t r = waitpid(it->pid, &status, WNOHANG);
        if (r == it->pid || (r < 0 && errno == ECHILD)) {
            if (r == it->pid && !it->killed && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
                log << "portwatch: alert: --on-alert command exited with status "
                    << WEXITSTATUS(status) << '\n';
            }
            it = children_.erase(it);
            continue;
        }
        if (!it->killed && now - it->started > timeout_) {
            log << "portwatch: alert: --on-alert command still running after "
                << std::chrono::duration_cast<std::chrono::seconds>(timeout_).count()
                << " s; killed\n";
            kill(-it->pid, SIGKILL);
            it->killed = true;
        }
        ++it;
    }
    return children_.size();
}

AlertRunner::~AlertRunner() {
    for (const auto& child : children_) {
        kill(-child.pid, SIGKILL);
        int status = 0;
        while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

}  // namespace portwatch::monitor
