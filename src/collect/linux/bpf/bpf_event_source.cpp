#include "collect/linux/bpf/bpf_event_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "collect/linux/bpf/events.h"
#include "collect/linux/bpf/libbpf_support.h"
#include "events.skel.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::bpf {

namespace {

using namespace std::chrono_literals;

// How often poll() drains the ring buffer: records never wake it (BPF_RB_NO_WAKEUP) unless the
// buffer is a quarter full, so this is the delay of an event and the batch size.
constexpr auto kDrainEvery = 100ms;
// poll() returns early once this many events arrived, so one call's batch stays bounded.
constexpr std::size_t kBatchLimit = 65536;

constexpr int kIpprotoUdp = 17;

std::int64_t boottime_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

Error load_error(int err, std::string_view what, const CaptureLibbpf& capture) {
    int code = err < 0 ? -err : err;
    Error error = errno_error(code, what);
    error.kind =
        code == EPERM || code == EACCES ? ErrorKind::PermissionDenied : ErrorKind::Unsupported;
    return with_detail(std::move(error), capture.detail());
}

core::IpAddress address_of(const std::uint8_t bytes[16], std::uint16_t family) {
    return family == AF_INET6 ? core::IpAddress::v6_bytes(bytes) : core::IpAddress::v4_bytes(bytes);
}

core::TcpState tcp_state(std::uint8_t state) {
    if (state == static_cast<std::uint8_t>(core::TcpState::NewSynRecv)) {
        return core::TcpState::SynRecv;
    }
    if (state > static_cast<std::uint8_t>(core::TcpState::Bound)) {
        return core::TcpState::Unknown;
    }
    return static_cast<core::TcpState>(state);
}

// A pinned map `fd` the programs can use in place of their own makers map.
bool compatible_makers_map(int fd) {
    bpf_map_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
        return false;
    }
    return info.type == BPF_MAP_TYPE_LRU_HASH && info.key_size == sizeof(std::uint64_t) &&
           info.value_size == sizeof(pw_maker);
}

std::uint32_t map_id(int fd) {
    bpf_map_info info{};
    std::uint32_t len = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

// The pin of the makers map. Every source that uses the pin holds a shared flock on its
// directory; the last one to go (its exclusive lock succeeds) removes the pin, if it still
// names the map this source used.
class MakerPin {
  public:
    MakerPin() = default;
    MakerPin(MakerPin&&) = default;
    MakerPin& operator=(MakerPin&&) = default;
    ~MakerPin() { release(); }

    // Before loading: takes the directory's lock and, when a compatible map is pinned
    // already (a killed monitor's, or a running one's), has the programs use it.
    Result<void> prepare(const std::string& path, bpf_map* map) {
        path_ = path;
        auto slash = path.rfind('/');
        dir_ = slash == std::string::npos ? "." : path.substr(0, slash);
        if (auto ok = prepare_pin_dir(dir_, MountBpfFs::IfMissing); !ok) {
            return ok;
        }
        lock_ = sys::UniqueFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!lock_ || ::flock(lock_.get(), LOCK_SH) != 0) {
            return make_errno_error(errno, "cannot lock " + dir_);
        }
        sys::UniqueFd old(bpf_obj_get(path.c_str()));
        if (old) {
            if (compatible_makers_map(old.get()) && bpf_map__reuse_fd(map, old.get()) == 0) {
                reused_ = true;
            } else if (::unlink(path.c_str()) != 0) {
                return make_errno_error(errno, "cannot replace the stale pin " + path);
            }
        }
        return {};
    }

    // After loading: pins the programs' map unless it is the one already pinned.
    Result<void> pin(bpf_map* map) {
        map_id_ = map_id(bpf_map__fd(map));
        if (reused_) {
            pinned_ = true;
            return {};
        }
        if (bpf_obj_pin(bpf_map__fd(map), path_.c_str()) != 0) {
            int e = errno;
            sys::UniqueFd other(bpf_obj_get(path_.c_str()));
            if (e == EEXIST && other && compatible_makers_map(other.get())) {
                return {};  // another source pinned its map meanwhile: it serves the snapshots
            }
            return make_errno_error(e, "cannot pin the maker map at " + path_);
        }
        pinned_ = true;
        return {};
    }

    bool pinned() const { return pinned_; }

  private:
    void release() {
        if (!lock_) {
            return;
        }
        if (pinned_ && ::flock(lock_.get(), LOCK_EX | LOCK_NB) == 0) {
            sys::UniqueFd current(bpf_obj_get(path_.c_str()));
            if (current && map_id(current.get()) == map_id_) {
                ::unlink(path_.c_str());
            }
            ::rmdir(dir_.c_str());  // fails while other pins live there
        }
        lock_ = sys::UniqueFd();
    }

    std::string path_;
    std::string dir_;
    sys::UniqueFd lock_;
    std::uint32_t map_id_ = 0;
    bool reused_ = false;
    bool pinned_ = false;
};

struct DestroySkeleton {
    void operator()(events_bpf* skeleton) const { events_bpf__destroy(skeleton); }
};

struct FreeRing {
    void operator()(ring_buffer* ring) const { ring_buffer__free(ring); }
};

class BpfEventSource final : public EventSource {
  public:
    explicit BpfEventSource(const core::Clock& clock) : clock_(clock) {}

    // Opens, loads, pins and attaches; on failure the members release what was made.
    Result<void> start(std::uint64_t netns, const BpfEventOptions& options) {
        CaptureLibbpf capture;
        skeleton_.reset(events_bpf__open());
        if (!skeleton_) {
            return std::unexpected(load_error(errno, "cannot open the eBPF object", capture));
        }
        skeleton_->rodata->watch_netns = netns;
        skeleton_->rodata->every_state = options.every_state ? 1 : 0;
        bpf_map__set_max_entries(skeleton_->maps.makers, std::max(options.max_makers, 1024u));
        if (!options.pin_path.empty()) {
            if (auto ok = pin_.prepare(options.pin_path, skeleton_->maps.makers); !ok) {
                pin_problem_ = ok.error().message;
                pin_ = MakerPin();
            }
        }
        if (int err = events_bpf__load(skeleton_.get()); err != 0) {
            return std::unexpected(
                load_error(err, "the kernel refused the monitor's eBPF programs", capture));
        }
        if (!options.pin_path.empty() && pin_problem_.empty()) {
            if (auto ok = pin_.pin(skeleton_->maps.makers); !ok) {
                pin_problem_ = ok.error().message;
            } else if (pin_.pinned()) {
                pinned_at_ = options.pin_path;
            }
        }
        ring_.reset(ring_buffer__new(bpf_map__fd(skeleton_->maps.events),
                                     &BpfEventSource::on_record, this, nullptr));
        if (!ring_) {
            return std::unexpected(load_error(errno, "cannot map the ring buffer", capture));
        }
        if (int err = events_bpf__attach(skeleton_.get()); err != 0) {
            return std::unexpected(
                load_error(err, "cannot attach the monitor's eBPF programs", capture));
        }
        return {};
    }

    std::string_view name() const override { return "ebpf"; }

    Result<void> poll(std::chrono::milliseconds timeout, core::EventBatch& out) override {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        batch_ = &out;
        const std::size_t first = out.ports.size() + out.failures.size();
        const std::uint64_t lost_before = lost_;
        Result<void> result;
        for (;;) {
            stamp_base();
            if (int n = ring_buffer__consume(ring_.get()); n < 0) {
                result = make_errno_error(-n, "reading the eBPF ring buffer failed");
                break;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms || out.ports.size() + out.failures.size() - first >= kBatchLimit) {
                break;
            }
            // Sleeps until the slice ends or the kernel forces a wake-up (buffer filling).
            int n = ring_buffer__poll(ring_.get(),
                                      static_cast<int>(std::min(left, kDrainEvery).count()));
            if (n < 0 && n != -EINTR) {
                result = make_errno_error(-n, "waiting on the eBPF ring buffer failed");
                break;
            }
        }
        batch_ = nullptr;
        lost_ = read_lost();
        out.lost += lost_ - lost_before;
        return result;
    }

    std::uint64_t lost() const override { return lost_; }

    const std::string& pinned_at() const { return pinned_at_; }
    const std::string& pin_problem() const { return pin_problem_; }

  private:
    static int on_record(void* context, void* data, std::size_t size) {
        auto* self = static_cast<BpfEventSource*>(context);
        if (size >= sizeof(pw_event) && self->batch_ != nullptr) {
            pw_event record;
            std::memcpy(&record, data, sizeof record);
            self->add(record, *self->batch_);
        }
        return 0;
    }

    // The wall-clock time of boot as `clock_` sees it, for stamping records and start times.
    void stamp_base() { boot_epoch_ = clock_.now() - std::chrono::nanoseconds(boottime_ns()); }

    core::TimePoint at(std::uint64_t boottime) const {
        return boot_epoch_ + std::chrono::duration_cast<core::TimePoint::duration>(
                                 std::chrono::nanoseconds(boottime));
    }

    core::Maker maker_of(const pw_event& r) const {
        core::Maker m;
        if ((r.flags & PW_EVF_MAKER) == 0) {
            return m;
        }
        m.pid = static_cast<std::int32_t>(r.maker.tgid);
        m.comm.assign(r.maker.comm, ::strnlen(r.maker.comm, sizeof r.maker.comm));
        m.cgroup_id = r.maker.cgroup_id;
        m.start_time = std::chrono::duration_cast<std::chrono::seconds>(
                           at(r.maker.start_boottime).time_since_epoch())
                           .count();
        return m;
    }

    void add(const pw_event& r, core::EventBatch& out) const {
        const auto protocol = r.protocol == kIpprotoUdp ? core::Protocol::Udp : core::Protocol::Tcp;
        core::Endpoint local;
        local.address = address_of(r.saddr, r.family);
        local.port = r.sport;
        core::Endpoint remote;
        remote.address = address_of(r.daddr, r.family);
        remote.port = r.dport;
        if (r.kind == PW_EV_FAILED) {
            core::FailedAllocation f;
            f.at = at(r.ts_boottime);
            f.protocol = protocol;
            f.call = r.call == PW_CALL_BIND ? "bind" : "connect";
            f.error = r.error;
            f.local = std::move(local);
            f.remote = std::move(remote);
            f.netns = r.netns;
            f.maker = maker_of(r);
            out.failures.push_back(std::move(f));
            return;
        }
        core::PortEvent e;
        e.at = at(r.ts_boottime);
        e.protocol = protocol;
        e.local = std::move(local);
        e.remote = std::move(remote);
        e.cookie = r.cookie;
        e.netns = r.netns;
        e.maker = maker_of(r);
        e.maker_exact = (r.flags & PW_EVF_MAKER) != 0;
        e.from = tcp_state(r.oldstate);
        e.to = tcp_state(r.newstate);
        if (r.kind == PW_EV_ACCEPT) {
            e.kind = core::PortEventKind::Opened;
            e.direction = core::Direction::Inbound;
            out.ports.push_back(std::move(e));
            return;
        }
        if (r.flags & PW_EVF_TIME_WAIT) {
            e.kind = core::PortEventKind::StateChanged;  // the port stays, in TIME_WAIT
            e.to = core::TcpState::TimeWait;
            out.ports.push_back(std::move(e));
            return;
        }
        // The first change out of SYN_SENT is the first with the connect()'s port.
        const bool opened = e.from == core::TcpState::SynSent;
        const bool closed = e.to == core::TcpState::Close;
        if (opened) {
            e.direction = core::Direction::Outbound;  // SYN_SENT: this host's connect()
            core::PortEvent o = e;
            o.kind = core::PortEventKind::Opened;
            out.ports.push_back(std::move(o));
            if (!closed) {
                return;
            }
        }
        e.kind = closed ? core::PortEventKind::Closed : core::PortEventKind::StateChanged;
        out.ports.push_back(std::move(e));
    }

    std::uint64_t read_lost() const {
        const int cpus = libbpf_num_possible_cpus();
        if (cpus <= 0) {
            return lost_;
        }
        std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
        std::uint32_t zero = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(skeleton_->maps.lost), &zero, per_cpu.data()) != 0) {
            return lost_;
        }
        std::uint64_t total = 0;
        for (auto n : per_cpu) {
            total += n;
        }
        return total;
    }

    const core::Clock& clock_;
    // Destroyed in reverse: the ring buffer, then the pin, then the programs and maps.
    std::unique_ptr<events_bpf, DestroySkeleton> skeleton_;
    MakerPin pin_;
    std::unique_ptr<ring_buffer, FreeRing> ring_;
    core::EventBatch* batch_ = nullptr;  // where on_record appends, during poll()
    core::TimePoint boot_epoch_;
    std::uint64_t lost_ = 0;
    std::string pinned_at_;
    std::string pin_problem_;
};

}  // namespace

BpfEventOptions default_bpf_event_options() {
    BpfEventOptions options;
    options.pin_path = PW_MAKERS_PIN;
    return options;
}

Result<std::unique_ptr<EventSource>> open_bpf_event_source(std::uint64_t netns_inode,
                                                           const core::Clock& clock,
                                                           const BpfEventOptions& bpf) {
    if (auto privileged = check_bpf_privileges(); !privileged) {
        return std::unexpected(privileged.error());
    }
    if (auto btf = check_kernel_btf(); !btf) {
        return std::unexpected(btf.error());
    }
    if (auto tracefs = ensure_tracefs(); !tracefs) {
        return std::unexpected(tracefs.error());
    }
    auto source = std::make_unique<BpfEventSource>(clock);
    if (auto started = source->start(netns_inode, bpf); !started) {
        return std::unexpected(started.error());
    }
    return std::unique_ptr<EventSource>(std::move(source));
}

std::string pinned_at(const EventSource& source) {
    const auto* bpf = dynamic_cast<const BpfEventSource*>(&source);
    return bpf ? bpf->pinned_at() : std::string();
}

std::string pin_problem(const EventSource& source) {
    const auto* bpf = dynamic_cast<const BpfEventSource*>(&source);
    return bpf ? bpf->pin_problem() : std::string();
}

}  // namespace portwatch::collect::bpf
