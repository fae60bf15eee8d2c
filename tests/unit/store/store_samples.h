#pragma once
// What the store tests share: a private temporary directory, and events made to order.

#include <cstdint>
#include <string>

#include "core/events.h"
#include "store/history_store.h"

namespace portwatch::store::testing {

// A directory under $TMPDIR (or /tmp) removed with everything in it.
class TempDir {
  public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

core::TimePoint at_s(std::int64_t seconds_since_epoch);

core::Endpoint endpoint(const std::string& address, std::uint16_t port);
core::Maker maker(std::int32_t pid, std::string comm);

// A TCP port taken by `who` (connect(): outbound) from 10.0.0.1:<local_port> to
// <remote>:<remote_port>.
core::PortEvent opened(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                       const std::string& remote, std::uint16_t remote_port);
// A TCP connection from <peer>:<peer_port> accepted by `who` on 10.0.0.1:<local_port>.
core::PortEvent accepted(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                         const std::string& peer, std::uint16_t peer_port);
core::PortEvent closed(core::TimePoint at, const core::Maker& who, std::uint16_t local_port,
                       const std::string& remote, std::uint16_t remote_port);
core::FailedAllocation failed(core::TimePoint at, const core::Maker& who, int error,
                              const std::string& remote, std::uint16_t remote_port);

// Rows in `table` of the database at `path` (a connection of its own).
std::int64_t count_rows(const std::string& path, const std::string& table);

}  // namespace portwatch::store::testing
