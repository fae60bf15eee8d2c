#include "collect/linux/host_facts.h"

#include <sys/utsname.h>

#include <optional>

#include "collect/linux/netns.h"
#include "formats/procfs/kernel_counters.h"
#include "sys/read_file.h"

namespace portwatch::collect {

namespace {

class Reader {
  public:
    Reader(std::string root, std::vector<core::Warning>& warnings)
        : root_(std::move(root)), warnings_(warnings) {}

    // Optional files (conntrack without its module, sysctls newer kernels added) stay quiet.
    std::optional<std::string> text(const std::string& relative, bool expected = true) {
        auto t = sys::read_file(root_ + relative);
        if (!t && expected) {
            warnings_.push_back({"cannot read " + root_ + relative});
        }
        return t;
    }
    template <typename T>
    std::optional<T> parsed(const std::string& relative, Result<T> (*parse)(std::string_view),
                            bool expected = true) {
        auto t = text(relative, expected);
        if (!t)
            return std::nullopt;
        auto v = parse(*t);
        if (!v) {
            warnings_.push_back({root_ + relative + ": " + v.error().message});
            return std::nullopt;
        }
        return *v;
    }

  private:
    std::string root_;
    std::vector<core::Warning>& warnings_;
};

}  // namespace

Result<core::HostFacts> read_host_facts(const HostFactsOptions& options, core::HostConfig& config,
                                        std::vector<core::Warning>& warnings) {
    core::HostFacts f;
    struct utsname u {};
    if (::uname(&u) == 0) {
        f.kernel_release = u.release;
    }
    Reader r(options.proc_root, warnings);
    using namespace formats;
    // Host-wide limits first, from our own namespace: a child namespace does not show
    // tcp_mem and tcp_max_orphans at all (nor does a container, hence no warning).
    f.tcp_max_orphans =
        r.parsed<std::uint64_t>("/sys/net/ipv4/tcp_max_orphans", parse_sysctl_number, false);
    f.tcp_mem =
        r.parsed<std::array<std::uint64_t, 3>>("/sys/net/ipv4/tcp_mem", parse_number_triple, false);
    f.files_allocated = r.parsed<std::uint64_t>("/sys/fs/file-nr", parse_file_nr);
    f.file_max = r.parsed<std::uint64_t>("/sys/fs/file-max", parse_sysctl_number);

    auto guard = NetnsGuard::enter_unless_empty(options.netns);
    if (!guard) {
        return std::unexpected(guard.error());
    }
    // /proc/sys/net follows the reading thread's namespace; /proc/net is the process's, so the
    // counters are read through thread-self.
    // The snapshot of this namespace has read the range already; read it once.
    if (!config.ephemeral) {
        if (auto range = r.parsed<core::PortRange>("/sys/net/ipv4/ip_local_port_range",
                                                   parse_sysctl_port_range)) {
            config.ephemeral = *range;
            config.range_origin = "net.ipv4.ip_local_port_range";
        }
    }
    if (auto reserved = r.parsed<std::vector<core::PortRange>>(
            "/sys/net/ipv4/ip_local_reserved_ports", parse_reserved_ports)) {
        config.reserved = *reserved;
    }
    if (auto v = r.parsed<std::uint64_t>("/sys/net/ipv4/tcp_tw_reuse", parse_sysctl_number)) {
        config.tcp_tw_reuse = static_cast<std::uint8_t>(*v);
    }
    if (auto v = r.parsed<std::uint64_t>("/sys/net/ipv4/tcp_timestamps", parse_sysctl_number)) {
        config.tcp_timestamps = *v != 0;
    }
    if (auto v = r.parsed<std::uint64_t>("/sys/net/ipv4/ip_autobind_reuse", parse_sysctl_number,
                                         false)) {
        f.ip_autobind_reuse = *v != 0;
    }
    f.tcp_max_tw_buckets =
        r.parsed<std::uint64_t>("/sys/net/ipv4/tcp_max_tw_buckets", parse_sysctl_number);
    f.conntrack_count = r.parsed<std::uint64_t>("/sys/net/netfilter/nf_conntrack_count",
                                                parse_sysctl_number, false);
    f.conntrack_max =
        r.parsed<std::uint64_t>("/sys/net/netfilter/nf_conntrack_max", parse_sysctl_number, false);
    if (auto t = r.text("/thread-self/net/sockstat")) {
        apply_sockstat(*t, f);
    }
    if (auto t = r.text("/thread-self/net/sockstat6", false)) {
        apply_sockstat(*t, f);
    }
    if (auto t = r.text("/thread-self/net/netstat")) {
        if (auto ok = apply_netstat(*t, f); !ok) {
            warnings.push_back({ok.error().message});
        }
    }
    return f;
}

}  // namespace portwatch::collect
