#pragma once
// Shared by the eBPF owner tests: the source under test, views of a scan restricted to the
// test's own processes, and sockets for holder bodies (which _exit on failure: they run in
// forked children, where gtest assertions would not reach the test).

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "collect/linux/owner_source.h"
#include "holders.h"

namespace portwatch::testing {

using Pairs = std::multiset<std::pair<std::uint64_t, std::int32_t>>;  // (inode, pid) per fd

// The eBPF source, or nullptr after reporting why (a failure when CI is set).
std::unique_ptr<collect::OwnerSource> bpf_source();

Pairs pairs_of(const collect::OwnerScan& scan, const std::set<std::int32_t>& pids);
std::map<std::int32_t, std::uint32_t> counts_of(const collect::OwnerScan& scan,
                                                const std::set<std::int32_t>& pids);

int tcp_listener(std::uint16_t& port);  // on 127.0.0.1, port chosen by the kernel
int tcp_client(std::uint16_t port);     // connected to 127.0.0.1:port
int udp_socket();                       // bound to 127.0.0.1, port chosen by the kernel

// The eBPF owner tests' set-up: root and a loadable eBPF pass (or the test skips, and fails
// when CI is set), a network namespace of the test's own, and holders forked into it.
// Members are destroyed in reverse: the holders go before their namespace.
class BpfOwners : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!require_root("the eBPF owner test")) {
            GTEST_SKIP() << "needs root";
        }
        bpf_ = bpf_source();
        if (!bpf_) {
            GTEST_SKIP() << "eBPF unavailable";
        }
        ns_.emplace();
        ASSERT_TRUE(ns_->ok()) << "cannot create network namespace " << ns_->name();
        holders_.emplace(ns_->path());
    }

    std::unique_ptr<collect::OwnerSource> bpf_;
    std::optional<TestNamespace> ns_;
    std::optional<Holders> holders_;
};

}  // namespace portwatch::testing
