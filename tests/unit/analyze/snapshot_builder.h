#pragma once
// Hand-built snapshots for the analysis tests.

#include <algorithm>
#include <string>

#include "core/snapshot.h"

namespace portwatch::analyze::test {

inline core::Endpoint ep(const std::string& address, std::uint16_t port) {
    return core::Endpoint{*core::IpAddress::parse(address), port};
}

class SnapshotBuilder {
  public:
    SnapshotBuilder(std::uint16_t low, std::uint16_t high) {
        snap_.netns = 4026531840;
        snap_.source.sockets = "test";
        snap_.config.ephemeral = core::PortRange{low, high};
        snap_.config.range_origin = "test";
        snap_.config.tcp_tw_reuse = 0;
        snap_.config.tcp_timestamps = true;
    }
    core::Snapshot& snapshot() { return snap_; }

    SnapshotBuilder& process(std::int32_t pid, const std::string& name) {
        core::Process p;
        p.pid = pid;
        p.name = name;
        snap_.processes.push_back(p);
        std::sort(snap_.processes.begin(), snap_.processes.end(),
                  [](const core::Process& a, const core::Process& b) { return a.pid < b.pid; });
        return *this;
    }
    SnapshotBuilder& tcp(core::TcpState state, core::Endpoint local, core::Endpoint remote,
                         std::int32_t pid = 0, core::PortBinding binding = core::PortBinding::Auto,
                         std::uint32_t expires_ms = 30'000) {
        core::Socket s;
        s.protocol = core::Protocol::Tcp;
        s.state = state;
        s.local = std::move(local);
        s.remote = std::move(remote);
        s.binding = binding;
        if (pid != 0) {
            s.owners = {pid};
            s.attribution = core::Attribution::Owned;
            s.inode = 1000 + snap_.sockets.size();
        }
        if (state == core::TcpState::TimeWait) {
            s.timer = core::TimerKind::TimeWait;
            s.expires_ms = expires_ms;
        }
        snap_.sockets.push_back(std::move(s));
        return *this;
    }
    SnapshotBuilder& udp(core::Endpoint local, core::Endpoint remote, std::int32_t pid) {
        core::Socket s;
        s.protocol = core::Protocol::Udp;
        s.state = remote.port ? core::TcpState::Established : core::TcpState::Close;
        s.local = std::move(local);
        s.remote = std::move(remote);
        s.owners = {pid};
        s.attribution = core::Attribution::Owned;
        snap_.sockets.push_back(std::move(s));
        return *this;
    }

  private:
    core::Snapshot snap_;
};

}  // namespace portwatch::analyze::test
