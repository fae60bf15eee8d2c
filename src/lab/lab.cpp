#include "lab/lab.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "lab/patterns.h"
#include "sys/unique_fd.h"

namespace portwatch::lab {

namespace {

using detail::Report;

using detail::kRangeLow;
constexpr int kStartTimeoutMs = 30'000;
constexpr rlim_t kFdWanted = 20000;  // the most a test process may have

constexpr std::array<PatternInfo, 10> kPatterns{{
    {Pattern::Churn, "churn", "pwlab-churn", "",
     "TIME_WAIT churn: short connections to one server, closed by the client first"},
    {Pattern::CloseWait, "close-wait", "pwlab-leaky", "",
     "CLOSE_WAIT leak: the server closes, the client never does"},
    {Pattern::Hoard, "hoard", "pwlab-hoarder", "",
     "hoarding: ESTABLISHED connections to one server kept open"},
    {Pattern::BindBeforeConnect, "bind-before-connect", "pwlab-binder", "",
     "bind(127.0.0.1, 0) before each connect(), to 50 destinations"},
    {Pattern::UdpLeak, "udp-leak", "pwlab-resolver", "",
     "UDP socket leak: a resolver that connects a new UDP socket per query and never closes it"},
    {Pattern::DeadBackend, "dead-backend", "pwlab-dialer", "",
     "a dead backend: connects to 192.0.2.10:5432, a route that drops every SYN, until no port "
     "is left (SYN_SENT)"},
    {Pattern::ListenersInRange, "listeners-in-range", "pwlab-client", "pwlab-listener",
     "listeners inside the range: one process listens on 90% of it, another's connect() fails"},
    {Pattern::ProxyBind, "proxy-bind", "pwlab-client", "pwlab-proxy",
     "a proxy binds before connecting to its one upstream (no IP_BIND_ADDRESS_NO_PORT); "
     "another process's connect() elsewhere fails"},
    {Pattern::Reserved, "reserved", "pwlab-client", "",
     "80% of the range in ip_local_reserved_ports: 40 connections exhaust it"},
    {Pattern::Healthy, "healthy", "pwlab-busy", "",
     "a healthy busy namespace: 3000 connections over 60 destinations, some churn"},
}};

// "EADDRNOTAVAIL (Cannot assign requested address)": the symbol admins search for, then the text.
std::string errno_with_name(int e) {
    const char* name = e == EADDRNOTAVAIL ? "EADDRNOTAVAIL"
                       : e == EADDRINUSE  ? "EADDRINUSE"
                       : e == EAGAIN      ? "EAGAIN"
                       : e == EMFILE      ? "EMFILE"
                                          : "errno";
    return fmt::format("{} ({})", name, errno_text(e));
}

bool write_all(int fd, const void* data, std::size_t size) {
    return ::write(fd, data, size) == static_cast<ssize_t>(size);
}

// Reads one Report, waiting at most `timeout_ms`.
bool read_report(int fd, Report& r, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) {
        return false;
    }
    return ::read(fd, &r, sizeof r) == static_cast<ssize_t>(sizeof r);
}

bool write_text(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write_all(fd, text.data(), text.size());
    ::close(fd);
    return ok;
}

[[noreturn]] void holder_fail(int fd, const char* what) {
    Report r;
    r.status = errno ? errno : EINVAL;
    std::snprintf(r.message, sizeof r.message, "%s: %s", what, std::strerror(r.status));
    write_all(fd, &r, sizeof r);
    ::_exit(1);
}

enum class Role : std::uint8_t { Server, Taker, Client };

pid_t fork_child(Pattern pattern, std::uint32_t range_size, Role role, int& read_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::close(fds[0]);
        if (role == Role::Server) {
            detail::run_server(pattern, fds[1]);
        }
        if (role == Role::Taker) {
            detail::run_taker(pattern, range_size, fds[1]);
        }
        detail::run_client(pattern, range_size, fds[1]);
    }
    ::close(fds[1]);
    read_end = fds[0];
    return pid;
}

// The holder: owns the namespace, starts both ends, reports, and on EOF of `control`
// stops them. With a `go` pipe (-1: none) it reports "ready" before the client and waits for
// a byte on `go` to start it. Never returns.
[[noreturn]] void run_holder(Pattern pattern, std::uint32_t range_size, int report_fd, int control,
                             int go) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, "pwlab-holder");
    if (::unshare(CLONE_NEWNET) != 0) {
        holder_fail(report_fd, "unshare(CLONE_NEWNET) (needs root)");
    }
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // for the ioctl only: no port
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (s < 0 || ::ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags |= IFF_UP, ::ioctl(s, SIOCSIFFLAGS, &ifr) != 0)) {
        holder_fail(report_fd, "bringing up lo");
    }
    ::close(s);
    std::string range = fmt::format("{} {}", kRangeLow, kRangeLow + range_size - 1);
    if (!write_text("/proc/sys/net/ipv4/ip_local_port_range", range)) {
        holder_fail(report_fd, "setting net.ipv4.ip_local_port_range");
    }
    // As on a host talking to a remote server: loopback TIME_WAIT reuse (the default 2) off.
    if (!write_text("/proc/sys/net/ipv4/tcp_tw_reuse", "0")) {
        holder_fail(report_fd, "setting net.ipv4.tcp_tw_reuse");
    }
    // TIME_WAIT keeps its port for the whole 60 s, even if an RST arrives (RFC 1337). On a
    // loaded machine loopback segments can arrive late: a TIME_WAIT socket answers a stale
    // one (PAWS) with an ACK, the server, already closed, answers that with an RST, and with
    // the default (0) the RST kills the TIME_WAIT ("assassination"). Measured under load: 1
    // run in 30 made 215 connections in a 200-port range (nstat: 16 PAWSTimewait, 16 RSTs
    // sent), so a lab's counts depended on the machine's load.
    if (!write_text("/proc/sys/net/ipv4/tcp_rfc1337", "1")) {
        holder_fail(report_fd, "setting net.ipv4.tcp_rfc1337");
    }
    // ip_local_reserved_ports is per namespace too: the host's list is untouched.
    if (auto reserved = detail::taken_ports(pattern, range_size);
        pattern == Pattern::Reserved &&
        !write_text("/proc/sys/net/ipv4/ip_local_reserved_ports",
                    fmt::format("{}-{}", kRangeLow, kRangeLow + reserved - 1))) {
        holder_fail(report_fd, "setting net.ipv4.ip_local_reserved_ports");
    }
    if (pattern == Pattern::DeadBackend && !detail::add_dead_route()) {
        holder_fail(report_fd, "adding the dead backend's route (192.0.2.0/24 via lo)");
    }
    rlimit fds{};
    ::getrlimit(RLIMIT_NOFILE, &fds);
    fds.rlim_cur = std::min(fds.rlim_max, kFdWanted);
    ::setrlimit(RLIMIT_NOFILE, &fds);

    int server_end = -1, taker_end = -1, client_end = -1;
    pid_t server = 0;
    if (pattern != Pattern::DeadBackend) {  // a dead backend has nobody behind it
        server = fork_child(pattern, range_size, Role::Server, server_end);
        Report sr;
        if (server < 0 || !read_report(server_end, sr, kStartTimeoutMs) || sr.status != 0) {
            if (server > 0)
                ::kill(server, SIGKILL);
            write_all(report_fd, &sr, sizeof sr);
            ::_exit(1);
        }
    }
    pid_t taker = 0;
    Report tr;
    if (detail::has_taker(pattern)) {
        taker = fork_child(pattern, range_size, Role::Taker, taker_end);
        if (taker < 0 || !read_report(taker_end, tr, kStartTimeoutMs) || tr.status != 0) {
            if (taker > 0)
                ::kill(taker, SIGKILL);
            ::kill(server, SIGKILL);
            if (tr.status == 0) {
                tr.status = ETIMEDOUT;
                std::snprintf(tr.message, sizeof tr.message,
                              "the lab's taker did not report in time");
            }
            write_all(report_fd, &tr, sizeof tr);
            ::_exit(1);
        }
    }
    if (go >= 0) {
        Report ready;
        std::snprintf(ready.message, sizeof ready.message, "ready");
        char byte = 0;
        pollfd p{go, POLLIN, 0};
        if (!write_all(report_fd, &ready, sizeof ready) || ::poll(&p, 1, kStartTimeoutMs) != 1 ||
            ::read(go, &byte, 1) != 1) {
            if (server > 0)  // the caller gave up: the lab ends here
                ::kill(server, SIGKILL);
            if (taker > 0)
                ::kill(taker, SIGKILL);
            ::_exit(1);
        }
    }
    pid_t client = fork_child(pattern, range_size, Role::Client, client_end);
    Report cr;
    if (client < 0 || !read_report(client_end, cr, kStartTimeoutMs)) {
        cr.status = ETIMEDOUT;
        std::snprintf(cr.message, sizeof cr.message, "the lab client did not report in time");
    } else {
        // The pids, and what the taker took, travel in the message field.
        std::snprintf(cr.message, sizeof cr.message, "%d %d %d %u %u", static_cast<int>(server),
                      static_cast<int>(client), static_cast<int>(taker), tr.succeeded,
                      tr.destinations);
    }
    write_all(report_fd, &cr, sizeof cr);
    ::close(report_fd);
    char byte;
    while (::read(control, &byte, 1) > 0) {
    }
    ::kill(client, SIGKILL);
    ::waitpid(client, nullptr, 0);
    if (server > 0) {
        ::kill(server, SIGKILL);
        ::waitpid(server, nullptr, 0);
    }
    if (taker > 0) {
        ::kill(taker, SIGKILL);
        ::waitpid(taker, nullptr, 0);
    }
    ::_exit(0);
}

std::string story(const LabOutcome& o, std::uint32_t range_size) {
    std::string who = fmt::format("{} (pid {})", o.client_name, o.client_pid);
    std::string dst = o.destination.to_string();
    std::string span =
        fmt::format("a {}-port range ({}-{})", range_size, o.range_low, o.range_high);
    std::string range = span + ", tcp_tw_reuse=0";
    std::string failure =
        o.error ? fmt::format(" Then {} failed: {}.", o.failed_call, errno_with_name(o.error))
                : std::string(" Nothing failed.");
    switch (o.pattern) {
        case Pattern::Churn:
            return fmt::format(
                "{} kept one connection to {} open and opened {} more, closing "
                "each one itself right away, in {}.{}",
                who, dst, o.succeeded - 1, range, failure);
        case Pattern::CloseWait:
            return fmt::format(
                "{} opened {} connections to {} in {}; the server ({}) closed "
                "each one, the client never did.{}",
                who, o.succeeded, dst, range, o.server_name, failure);
        case Pattern::Hoard:
            return fmt::format("{} opened {} connections to {} in {} and kept them all open.{}",
                               who, o.succeeded, dst, range, failure);
        case Pattern::BindBeforeConnect:
            return fmt::format(
                "{} called bind(127.0.0.1, 0) and then connect() {} times, to {} "
                "destinations ({} ...) in {}.{}",
                who, o.succeeded, o.destinations, dst, range, failure);
        case Pattern::UdpLeak:
            return fmt::format("{} connected {} UDP sockets to {} ({}) and closed none, in {}.{}",
                               who, o.succeeded, dst, o.server_name, range, failure);
        case Pattern::ListenersInRange:
            return fmt::format(
                "{} (pid {}) listens on {} ports inside {}: {} bound with port 0 "
                "(the kernel picked them), {} bound to ports it chose. Then {} "
                "opened {} connections to {} and kept them open.{}",
                o.taker_name, o.taker_pid, o.taken, span, o.taken - o.taken_bound, o.taken_bound,
                who, o.succeeded, dst, failure);
        case Pattern::ProxyBind:
            return fmt::format(
                "{} (pid {}) keeps {} connections to its one upstream "
                "127.0.0.1:{}, calling bind(127.0.0.1, 0) before each connect() "
                "(no IP_BIND_ADDRESS_NO_PORT), in {}. Then {} opened {} plain "
                "connections to another service, {}, and kept them open.{}",
                o.taker_name, o.taker_pid, o.taken, detail::kTcpPort, span, who, o.succeeded, dst,
                failure);
        case Pattern::Reserved:
            return fmt::format(
                "net.ipv4.ip_local_reserved_ports covers {}-{}: {} of the ports "
                "of {}. {} opened {} connections to {} and kept them open.{}",
                o.range_low, o.range_low + o.taken - 1, o.taken, span, who, o.succeeded, dst,
                failure);
        case Pattern::DeadBackend:
            return fmt::format(
                "{} called connect() {} times to {} (PostgreSQL's port), a "
                "destination whose route drops every packet, without a connect "
                "timeout: each attempt waits in SYN_SENT, retrying its SYN for "
                "about 127 s (tcp_syn_retries=6), in {}.{}",
                who, o.succeeded, dst, range, failure);
        case Pattern::Healthy:
            return fmt::format(
                "{} opened {} connections to {} destinations and closed one in "
                "seven right away, in {}.{}",
                who, o.succeeded, o.destinations, range, failure);
    }
    return {};
}

}  // namespace

std::span<const PatternInfo> patterns() {
    return kPatterns;
}

const PatternInfo& info(Pattern pattern) {
    for (const auto& p : kPatterns) {
        if (p.pattern == pattern)
            return p;
    }
    return kPatterns[0];
}

std::optional<Pattern> parse_pattern(std::string_view name) {
    for (const auto& p : kPatterns) {
        if (p.name == name)
            return p.pattern;
    }
    return std::nullopt;
}

Result<Lab> Lab::start(const LabOptions& options) {
    return start(options, {});
}

Result<Lab> Lab::start(const LabOptions& options,
                       const std::function<void(const std::string& netns)>& before_client) {
    std::uint32_t size = options.range_size ? options.range_size
                                            : (options.pattern == Pattern::Healthy ? 5000u : 200u);
    if (size < 16 || size > 20000) {
        return make_error("lab range size must be between 16 and 20000 ports");
    }
    // The proxy's 70 % must show bind()'s port parity (prebound.h) above chance.
    if (options.pattern == Pattern::ProxyBind && size < 64) {
        return make_error("lab proxy-bind needs a range of at least 64 ports");
    }
    // Owned ends close on every path out, a failed fork included.
    int report_fds[2], control_fds[2];
    if (::pipe2(report_fds, O_CLOEXEC) != 0) {
        return make_errno_error(errno, "pipe");
    }
    sys::UniqueFd report_read(report_fds[0]), report_write(report_fds[1]);
    if (::pipe2(control_fds, O_CLOEXEC) != 0) {
        return make_errno_error(errno, "pipe");
    }
    sys::UniqueFd control_read(control_fds[0]), control_write(control_fds[1]);
    int go_fds[2] = {-1, -1};
    if (before_client && ::pipe2(go_fds, O_CLOEXEC) != 0) {
        return make_errno_error(errno, "pipe");
    }
    sys::UniqueFd go_read(go_fds[0]), go_write(go_fds[1]);
    pid_t holder = ::fork();
    if (holder < 0) {
        return make_errno_error(errno, "fork");
    }
    if (holder == 0) {
        report_read.reset();
        control_write.reset();
        go_write.reset();
        run_holder(options.pattern, size, report_write.get(), control_read.get(),
                   go_read ? go_read.get() : -1);
    }
    report_write.reset();
    control_read.reset();
    go_read.reset();
    Lab lab;
    lab.holder_ = holder;
    lab.control_ = std::move(control_write);
    Report r;
    bool got = read_report(report_read.get(), r, 2 * kStartTimeoutMs);
    if (got && r.status == 0 && go_write) {
        before_client(fmt::format("/proc/{}/ns/net", holder));
        const char byte = 1;
        write_all(go_write.get(), &byte, 1);
        go_write.reset();
        got = read_report(report_read.get(), r, 2 * kStartTimeoutMs);
    }
    report_read.reset();
    if (!got) {
        return make_error(ErrorKind::Io, "the lab did not start (no report from its namespace)");
    }
    if (r.status != 0) {
        return std::unexpected(
            Error{errno_kind(r.status), r.status, std::string("lab setup failed: ") + r.message});
    }
    auto& o = lab.outcome_;
    o.pattern = options.pattern;
    o.holder_pid = holder;
    int server = 0, client = 0, taker = 0;
    unsigned taken = 0, taken_bound = 0;
    std::sscanf(r.message, "%d %d %d %u %u", &server, &client, &taker, &taken, &taken_bound);
    o.server_pid = server;
    o.client_pid = client;
    o.taker_pid = taker;
    o.client_name = info(options.pattern).client_name;
    o.taker_name = info(options.pattern).taker_name;
    o.taken =
        options.pattern == Pattern::Reserved ? detail::taken_ports(options.pattern, size) : taken;
    o.taken_bound = options.pattern == Pattern::ListenersInRange ? taken_bound : 0;
    if (options.pattern == Pattern::Reserved) {
        o.culprit_pid = 0;  // the cause is the reserved ports
    } else if (taker > 0) {
        o.culprit_pid = taker;
        o.culprit_name = o.taker_name;
    } else {
        o.culprit_pid = client;
        o.culprit_name = o.client_name;
    }
    o.server_name = options.pattern == Pattern::UdpLeak       ? "pwlab-dns"
                    : options.pattern == Pattern::DeadBackend ? ""
                                                              : "pwlab-server";
    o.range_low = kRangeLow;
    o.range_high = static_cast<std::uint16_t>(kRangeLow + size - 1);
    o.destination = core::Endpoint{core::IpAddress::parse(r.dest_addr).value_or(core::IpAddress{}),
                                   r.dest_port};
    o.destinations = r.destinations;
    o.succeeded = r.succeeded;
    o.error = r.error;
    o.failed_call = r.failed_call;
    o.netns = fmt::format("/proc/{}/ns/net", holder);
    o.story = story(o, size);
    return lab;
}

Lab::Lab(Lab&& other) noexcept
    : outcome_(std::move(other.outcome_)),
      holder_(std::exchange(other.holder_, -1)),
      control_(std::move(other.control_)) {}

Lab::~Lab() {
    control_.reset();  // the holder stops both ends and exits; the namespace goes with it
    if (holder_ <= 0) {
        return;
    }
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(holder_, nullptr, WNOHANG) == holder_) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(holder_, SIGKILL);  // its children die with it (PR_SET_PDEATHSIG)
    ::waitpid(holder_, nullptr, 0);
}

}  // namespace portwatch::lab
