#pragma once
// The maker map a running monitor's eBPF event source pinned (events.h, PW_MAKERS_PIN), read
// by the live snapshot: the process that made a socket, by its cookie, also for TIME_WAIT
// sockets, which no descriptor refers to.

#include <cstdint>
#include <optional>
#include <string>

#include "core/events.h"
#include "core/result.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::bpf {

class PinnedMakers {
  public:
    // The pin at `path`, opened read-only; nullopt when there is none (no monitor runs), or
    // when its pids would not be this process's (portwatch runs in a pid namespace of its
    // own: the map holds the initial namespace's pids). An Error when a pin is there but
    // cannot be read (not root, a map of another layout).
    static Result<std::optional<PinnedMakers>> open(const std::string& path);

    // The maker recorded for `cookie`, its start time in seconds since the epoch.
    std::optional<core::Maker> find(std::uint64_t cookie) const;

  private:
    PinnedMakers(sys::UniqueFd map, std::int64_t boot_epoch_ns)
        : map_(std::move(map)), boot_epoch_ns_(boot_epoch_ns) {}
    sys::UniqueFd map_;
    std::int64_t boot_epoch_ns_;  // CLOCK_REALTIME - CLOCK_BOOTTIME when opened
};

}  // namespace portwatch::collect::bpf
