#include "collect/linux/binding_cache.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace portwatch::collect {
namespace {

using core::PortBinding;

core::Socket sock(std::uint64_t cookie, std::uint16_t port, PortBinding binding,
                  core::Protocol protocol = core::Protocol::Tcp) {
    core::Socket s;
    s.cookie = cookie;
    s.protocol = protocol;
    s.state = core::TcpState::Established;
    s.local.port = port;
    s.binding = binding;
    return s;
}

TEST(BindingCache, TheNextSnapshotTakesWhatTheLastOneResolved) {
    BindingCache cache;
    std::vector<core::Socket> first = {sock(30, 7000, PortBinding::Unknown),
                                       sock(10, 40000, PortBinding::Unknown),
                                       sock(20, 7100, PortBinding::Unknown, core::Protocol::Udp),
                                       sock(0, 5000, PortBinding::Unknown)};
    EXPECT_EQ(cache.fill(first), 0u);  // nothing kept yet
    // What the kernel's query answered for them; the cookie-less one stays unknown.
    first[0].binding = PortBinding::Explicit;
    first[1].binding = PortBinding::Auto;
    first[2].binding = PortBinding::Explicit;
    cache.keep(first);
    EXPECT_EQ(cache.size(), 3u);

    // Another order, a new socket, one that gave its port back and bound another, one of
    // another protocol under a known cookie, and one whose binding is already known.
    std::vector<core::Socket> next = {sock(50, 41000, PortBinding::Unknown),
                                      sock(20, 7100, PortBinding::Unknown, core::Protocol::Udp),
                                      sock(10, 40000, PortBinding::Unknown),
                                      sock(30, 7001, PortBinding::Unknown),
                                      sock(0, 5000, PortBinding::Unknown)};
    next.push_back(sock(10, 40000, PortBinding::Explicit));  // the same socket listed twice
    EXPECT_EQ(cache.fill(next), 2u);
    EXPECT_EQ(cache.last_filled(), 2u);
    EXPECT_EQ(next[0].binding, PortBinding::Unknown);  // new: the query's to answer
    EXPECT_EQ(next[1].binding, PortBinding::Explicit);
    EXPECT_EQ(next[2].binding, PortBinding::Auto);
    EXPECT_EQ(next[3].binding, PortBinding::Unknown);   // port 7000 -> 7001: asked again
    EXPECT_EQ(next[4].binding, PortBinding::Unknown);   // no cookie, nothing to match
    EXPECT_EQ(next[5].binding, PortBinding::Explicit);  // known already: left as it is

    next[0].binding = PortBinding::Auto;
    next[3].binding = PortBinding::Explicit;
    cache.keep(next);
    EXPECT_EQ(cache.size(), 4u);  // 10, 20, 30, 50: the socket listed twice kept once

    std::vector<core::Socket> same_protocol_check = {
        sock(20, 7100, PortBinding::Unknown, core::Protocol::Tcp)};  // TCP now: not the UDP one
    EXPECT_EQ(cache.fill(same_protocol_check), 0u);
    EXPECT_EQ(same_protocol_check[0].binding, PortBinding::Unknown);
}

TEST(BindingCache, KeepWithoutTheVectorFillSawKeepsOnlyWhatMatches) {
    BindingCache cache;
    std::vector<core::Socket> a = {sock(1, 1000, PortBinding::Explicit),
                                   sock(2, 2000, PortBinding::Auto)};
    cache.fill(a);
    std::vector<core::Socket> shorter = {sock(2, 2000, PortBinding::Auto)};
    cache.keep(shorter);  // index 0 is cookie 2 now, index 1 gone: nothing matches
    EXPECT_EQ(cache.size(), 0u);
}

// Churn over many snapshots (the table is rebuilt as sockets come and go): each snapshot takes
// exactly the bindings of the sockets the one before had, and what it keeps is what it has.
TEST(BindingCache, ChurnKeepsExactlyTheLastSnapshotsSockets) {
    BindingCache cache;
    std::uint64_t next_cookie = 1;
    std::vector<std::uint64_t> alive;
    for (int round = 0; round < 60; ++round) {
        // A third of the sockets close, as many open; a few are asked about twice.
        std::vector<std::uint64_t> now;
        for (std::size_t i = 0; i < alive.size(); ++i) {
            if ((alive[i] + static_cast<std::uint64_t>(round)) % 3 != 0) {
                now.push_back(alive[i]);
            }
        }
        const std::size_t kept_over = now.size();
        while (now.size() < 3000) {
            now.push_back(next_cookie++);
        }
        std::vector<core::Socket> sockets;
        for (auto cookie : now) {
            sockets.push_back(sock(cookie, static_cast<std::uint16_t>(1024 + cookie % 60000),
                                   PortBinding::Unknown));
        }
        EXPECT_EQ(cache.fill(sockets), round == 0 ? 0u : kept_over) << "round " << round;
        for (auto& s : sockets) {
            const PortBinding truth = s.cookie % 2 ? PortBinding::Explicit : PortBinding::Auto;
            if (s.binding != PortBinding::Unknown) {
                EXPECT_EQ(s.binding, truth) << s.cookie;
            }
            s.binding = truth;  // the kernel's answer for the rest
        }
        cache.keep(sockets);
        EXPECT_EQ(cache.size(), sockets.size());
        alive = now;
    }
}

}  // namespace
}  // namespace portwatch::collect
