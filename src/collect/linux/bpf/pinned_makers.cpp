#include "collect/linux/bpf/pinned_makers.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collect/linux/bpf/events.h"

namespace portwatch::collect::bpf {

namespace {

// /proc/self/ns/pid of a process in the initial pid namespace (PROC_PID_INIT_INO).
constexpr std::uint64_t kInitialPidNamespace = 0xEFFFFFFCu;

std::int64_t clock_ns(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// BPF_OBJ_GET read-only: reading the map needs no right to change it.
int open_read_only(const std::string& path) {
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.pathname = reinterpret_cast<std::uint64_t>(path.c_str());
    attr.file_flags = BPF_F_RDONLY;
    return static_cast<int>(::syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof attr));
}

}  // namespace

Result<std::optional<PinnedMakers>> PinnedMakers::open(const std::string& path) {
    struct stat st {};
    if (::stat("/proc/self/ns/pid", &st) == 0 && st.st_ino != kInitialPidNamespace) {
        return std::optional<PinnedMakers>();
    }
    sys::UniqueFd map(open_read_only(path));
    if (!map) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            return std::optional<PinnedMakers>();
        }
        return make_errno_error(e, "the monitor's maker map " + path);
    }
    bpf_map_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(map.get(), &info, &len) != 0) {
        return make_errno_error(errno, "the monitor's maker map " + path);
    }
    if (info.type != BPF_MAP_TYPE_LRU_HASH || info.key_size != sizeof(std::uint64_t) ||
        info.value_size != sizeof(pw_maker)) {
        return make_error(ErrorKind::Unsupported,
                          "the monitor's maker map " + path +
                              " has another layout (a portwatch of another version pinned it)");
    }
    return std::optional<PinnedMakers>(
        PinnedMakers(std::move(map), clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME)));
}

std::optional<core::Maker> PinnedMakers::find(std::uint64_t cookie) const {
    pw_maker value{};
    if (cookie == 0 || bpf_map_lookup_elem(map_.get(), &cookie, &value) != 0) {
        return std::nullopt;
    }
    core::Maker m;
    m.pid = static_cast<std::int32_t>(value.tgid);
    m.comm.assign(value.comm, ::strnlen(value.comm, sizeof value.comm));
    m.cgroup_id = value.cgroup_id;
    m.start_time =
        (boot_epoch_ns_ + static_cast<std::int64_t>(value.start_boottime)) / 1'000'000'000;
    return m;
}

}  // namespace portwatch::collect::bpf
