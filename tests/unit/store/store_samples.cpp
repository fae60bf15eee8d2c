#include "unit/store/store_samples.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "store/db.h"

namespace portwatch::store::testing {

TempDir::TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp") + "/portwatch-store-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

core::TimePoint at_s(std::int64_t seconds) {
    return core::TimePoint(std::chrono::seconds(seconds));
}

core::Endpoint endpoint(const std::string& address, std::uint16_t port) {
    core::Endpoint e;
    e.address = *core::IpAddress::parse(address);
    e.port = port;
    return e;
}

core::Maker maker(std::int32_t pid, std::string comm) {
    core::Maker m;
    m.pid = pid;
    m.comm = std::move(comm);
    m.cgroup_id = 1000 + static_cast<std::uint64_t>(pid);
    m.start_time = 1764000000;
    return m;
}

namespace {

core::PortEvent event(core::TimePoint at, core::PortEventKind kind, const core::Maker& who,
                      std::uint16_t local_port, const std::string& remote,
                      std::uint16_t remote_port) {
    core::PortEvent e;
    e.at = at;
    e.kind = kind;
    e.from = kind == core::PortEventKind::Opened ? core::TcpState::Close : core::TcpState::TimeWait;
    e.to = kind == core::PortEventKind::Opened ? core::TcpState::SynSent : core::TcpState::Close;
    e.local = endpoint("10.0.0.1", local_port);
    e.remote = endpoint(remote, remote_port);
    e.cookie = 0x1000 + local_port;
    e.netns = 4026531840;
    e.maker = who;
    e.maker_exact = true;
    e.direction = core::Direction::Outbound;
    return e;
}

}  // namespace

core::PortEvent accepted(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                         const std::string& peer, std::uint16_t peer_port) {
    core::PortEvent e = event(at, core::PortEventKind::Opened, who, local_port, peer, peer_port);
    e.from = core::TcpState::Unknown;
    e.to = core::TcpState::Established;
    e.direction = core::Direction::Inbound;
    return e;
}

core::PortEvent opened(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                       const std::string& remote, std::uint16_t remote_port) {
    return event(at, core::PortEventKind::Opened, who, local_port, remote, remote_port);
}

core::PortEvent closed(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                       const std::string& remote, std::uint16_t remote_port) {
    return event(at, core::PortEventKind::Closed, who, local_port, remote, remote_port);
}

core::FailedAllocation failed(core::TimePoint at, const core::Maker& who, int error,
                              const std::string& remote, std::uint16_t remote_port) {
    core::FailedAllocation f;
    f.at = at;
    f.call = "connect";
    f.error = error;
    f.remote = endpoint(remote, remote_port);
    f.maker = who;
    return f;
}

std::int64_t count_rows(const std::string& path, const std::string& table) {
    auto db = Db::create(path, OpenMode::ReadOnly);
    if (!db) {
        ADD_FAILURE() << db.error().message;
        return -1;
    }
    auto n = db->query_int("SELECT COUNT(*) FROM " + table);
    if (!n) {
        ADD_FAILURE() << n.error().message;
        return -1;
    }
    return *n;
}

}  // namespace portwatch::store::testing
