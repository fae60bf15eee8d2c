#include "holders.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace portwatch::testing {

namespace {

void write_line(int fd, const std::string& line) {
    std::string text = line + '\n';  // < PIPE_BUF: one atomic write, never interleaved
    [[maybe_unused]] ssize_t n = ::write(fd, text.data(), text.size());
}

[[noreturn]] void die(int report_fd, const std::string& what) {
    write_line(report_fd, "E " + what + ": " + std::strerror(errno));
    ::_exit(1);
}

}  // namespace

TestNamespace::TestNamespace() {
    static int serial = 0;  // distinct names for fixtures of one test process
    name_ = "pwbpf-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
    ok_ = run_argv({"ip", "netns", "add", name_}).code == 0 &&
          run_argv({"ip", "-n", name_, "link", "set", "lo", "up"}).code == 0;
}

TestNamespace::~TestNamespace() {
    run_argv({"ip", "netns", "del", name_});
}

void Holders::start() {
    if (report_pipe_[0] < 0) {
        if (::pipe(report_pipe_) != 0 || ::pipe(control_pipe_) != 0) {
            ADD_FAILURE() << "pipe: " << std::strerror(errno);
        }
    }
}

void Holders::spawn(const std::string& role, int reports, const Body& body) {
    start();
    expected_reports_ += reports;
    pid_t pid = ::fork();
    if (pid < 0) {
        ADD_FAILURE() << "fork: " << std::strerror(errno);
        return;
    }
    if (pid > 0) {
        children_.push_back(pid);
        return;
    }
    ::close(report_pipe_[0]);
    ::close(control_pipe_[1]);
    Context ctx{report_pipe_[1], control_pipe_[0], role};
    int ns = ::open(netns_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
        die(ctx.report_fd, "setns " + netns_path_);
    }
    ::close(ns);
    body(ctx);
    ::_exit(0);
}

void Holders::report(Context& ctx) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const int pid = ::getpid();
    std::uint32_t open_fds = 0;
    for (int fd = 0; fd < static_cast<int>(limit.rlim_cur); ++fd) {
        struct stat st {};
        if (::fcntl(fd, F_GETFD) < 0) {
            continue;
        }
        ++open_fds;
        if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
            write_line(ctx.report_fd, "S " + std::to_string(pid) + ' ' + std::to_string(st.st_ino));
        }
    }
    write_line(ctx.report_fd, "F " + std::to_string(pid) + ' ' + std::to_string(open_fds));
    write_line(ctx.report_fd, "R " + ctx.role + ' ' + std::to_string(pid));
    write_line(ctx.report_fd, "D");
}

void Holders::report_named(Context& ctx, const std::string& label, int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        die(ctx.report_fd, "fstat " + label);
    }
    write_line(ctx.report_fd, "N " + label + ' ' + std::to_string(st.st_ino));
}

void Holders::hold(Context& ctx) {
    char byte;
    while (::read(ctx.control_fd, &byte, 1) != 0 && errno == EINTR) {
    }
}

bool Holders::wait(HolderTruth& truth) {
    if (report_pipe_[1] >= 0) {
        ::close(report_pipe_[1]);  // so a dead holder shows as EOF
        report_pipe_[1] = -1;
    }
    std::string pending;
    int done = 0;
    while (done < expected_reports_) {
        pollfd p{report_pipe_[0], POLLIN, 0};
        if (::poll(&p, 1, 20000) <= 0) {
            ADD_FAILURE() << "holders did not report within 20 s";
            return false;
        }
        char buf[65536];
        ssize_t n = ::read(report_pipe_[0], buf, sizeof buf);
        if (n <= 0) {
            ADD_FAILURE() << "a holder exited before reporting";
            return false;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t eol; (eol = pending.find('\n', start)) != std::string::npos;
             start = eol + 1) {
            std::istringstream line(pending.substr(start, eol - start));
            char kind = 0;
            line >> kind;
            if (kind == 'S') {
                std::int32_t pid = 0;
                std::uint64_t inode = 0;
                line >> pid >> inode;
                truth.sockets.insert({inode, pid});
            } else if (kind == 'F') {
                std::int32_t pid = 0;
                std::uint32_t count = 0;
                line >> pid >> count;
                truth.fd_counts[pid] = count;
            } else if (kind == 'N') {
                std::string label;
                std::uint64_t inode = 0;
                line >> label >> inode;
                truth.named[label] = inode;
            } else if (kind == 'R') {
                std::string role;
                std::int32_t pid = 0;
                line >> role >> pid;
                truth.pids[role] = pid;
            } else if (kind == 'D') {
                ++done;
            } else {
                ADD_FAILURE() << "holder: " << line.str();
                return false;
            }
        }
        pending.erase(0, start);
    }
    return true;
}

Holders::~Holders() {
    for (int fd : {report_pipe_[0], report_pipe_[1], control_pipe_[0], control_pipe_[1]}) {
        if (fd >= 0) {
            ::close(fd);  // the control pipe's EOF releases every holder
        }
    }
    for (pid_t child : children_) {
        int status = 0;
        ::waitpid(child, &status, 0);
    }
}

}  // namespace portwatch::testing
