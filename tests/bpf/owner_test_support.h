#pragma once
// Shared by the eBPF owner tests: the source under test, views of a scan restricted to the
// test's own processes, and sockets for holder bodies (which _exit on failure: they run in
// forked children, where gtest assertions would not reach the test).

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "collect/owner_source.h"

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

}  // namespace portwatch::testing
