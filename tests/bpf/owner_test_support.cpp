#include "owner_test_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <vector>

namespace portwatch::testing {

using collect::OwnerMode;
using collect::OwnerScan;
using collect::OwnerSource;

std::unique_ptr<OwnerSource> bpf_source() {
    std::vector<portwatch::core::Warning> warnings;
    auto source = portwatch::collect::make_owner_source(OwnerMode::Bpf, "/proc", warnings);
    if (source) {
        return std::move(*source);
    }
    if (std::getenv("CI") != nullptr) {
        ADD_FAILURE() << "eBPF owner pass cannot run: " << source.error().message;
    } else {
        std::cerr << "skipping: eBPF owner pass cannot run: " << source.error().message << '\n';
    }
    return nullptr;
}

Pairs pairs_of(const OwnerScan& scan, const std::set<std::int32_t>& pids) {
    Pairs out;
    for (const auto& ref : scan.sockets) {
        if (pids.contains(ref.pid)) {
            out.insert({ref.inode, ref.pid});
        }
    }
    return out;
}

std::map<std::int32_t, std::uint32_t> counts_of(const OwnerScan& scan,
                                                const std::set<std::int32_t>& pids) {
    std::map<std::int32_t, std::uint32_t> out;
    for (const auto& count : scan.fd_counts) {
        if (pids.contains(count.pid)) {
            EXPECT_FALSE(out.contains(count.pid)) << "pid " << count.pid << " counted twice";
            out[count.pid] = count.count;
        }
    }
    return out;
}

int tcp_listener(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::_exit(2);
    }
    port = ntohs(addr.sin_port);
    return fd;
}

int tcp_client(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::_exit(3);
    }
    return fd;
}

int udp_socket() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::_exit(4);
    }
    return fd;
}

}  // namespace portwatch::testing
