#pragma once
// Test fixture for the owner passes: a network namespace of the test's own and forked
// processes that hold known sockets in it, each reporting the ground truth about itself
// (socket inodes by fstat(), descriptor count by fcntl()) without going through /proc.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/process.h"

namespace portwatch::testing {

// `ip netns add pwbpf-<pid>-<n>` with loopback up; deleted when destroyed.
class TestNamespace {
  public:
    TestNamespace();
    TestNamespace(const TestNamespace&) = delete;
    TestNamespace& operator=(const TestNamespace&) = delete;
    ~TestNamespace();
    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }

  private:
    std::string name_;
    bool ok_ = false;
};

// What the holders said about themselves.
struct HolderTruth {
    std::multiset<std::pair<std::uint64_t, std::int32_t>> sockets;  // (inode, pid) per socket fd
    std::map<std::int32_t, std::uint32_t> fd_counts;                // pid -> open descriptors
    std::map<std::string, std::uint64_t> named;                     // label -> socket inode
    std::map<std::string, std::int32_t> pids;                       // role -> pid
};

// Processes forked by the test. Each body runs in a child (already inside the namespace),
// sets up its sockets, calls report(), and then blocks until the Holders object is destroyed.
class Holders {
  public:
    struct Context {
        int report_fd;   // write end of the report pipe
        int control_fd;  // read end of the control pipe: EOF means exit
        std::string role;
    };
    using Body = std::function<void(Context&)>;

    explicit Holders(std::string netns_path) : netns_path_(std::move(netns_path)) {}
    Holders(const Holders&) = delete;
    Holders& operator=(const Holders&) = delete;
    ~Holders();

    // Forks one holder. `reports` is how many processes this body (and its own children) will
    // report, so wait() knows when everybody is ready.
    void spawn(const std::string& role, int reports, const Body& body);
    // Reads every report; false on a holder dying or a timeout.
    bool wait(HolderTruth& truth);

    // For bodies: the ground truth of the calling process, then a blocking wait for the end.
    static void report(Context& ctx);
    static void report_named(Context& ctx, const std::string& label, int fd);
    static void hold(Context& ctx);

  private:
    void start();
    std::string netns_path_;
    int report_pipe_[2] = {-1, -1};
    int control_pipe_[2] = {-1, -1};
    std::vector<pid_t> children_;
    int expected_reports_ = 0;
};

}  // namespace portwatch::testing
