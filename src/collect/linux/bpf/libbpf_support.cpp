#include "collect/linux/bpf/libbpf_support.h"

#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

namespace portwatch::collect::bpf {

namespace {

// libbpf reports through one process-wide print callback; each thread's CaptureLibbpf points
// it at its own string.
thread_local std::string* libbpf_sink = nullptr;

int libbpf_print(libbpf_print_level level, const char* format, va_list args) {
    if (level != LIBBPF_WARN || libbpf_sink == nullptr) {
        return 0;
    }
    char line[512];
    int n = std::vsnprintf(line, sizeof line, format, args);
    if (n > 0) {
        *libbpf_sink = line;
        while (!libbpf_sink->empty() &&
               (libbpf_sink->back() == '\n' || libbpf_sink->back() == ' ')) {
            libbpf_sink->pop_back();
        }
    }
    return 0;
}

}  // namespace

CaptureLibbpf::CaptureLibbpf() {
    libbpf_set_print(libbpf_print);
    libbpf_sink = &last_;
}

CaptureLibbpf::~CaptureLibbpf() {
    libbpf_sink = nullptr;
}

std::string CaptureLibbpf::detail() const {
    return last_.empty() ? "" : " (libbpf: " + last_ + ")";
}

Error with_detail(Error error, const std::string& detail) {
    error.message += detail;
    return error;
}

// Loading a tracing program needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN, which implies
// both on older kernels). Asking first turns a bare EPERM into an actionable message.
Result<void> check_bpf_privileges() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) {
        return make_errno_error(errno, "cannot read this process's capabilities");
    }
    auto has = [&](int cap) { return (data[cap / 32].effective & (1u << (cap % 32))) != 0; };
    constexpr int kCapBpf = 39;
    constexpr int kCapPerfmon = 38;
    if (has(CAP_SYS_ADMIN) || (has(kCapBpf) && has(kCapPerfmon))) {
        return {};
    }
    return make_error(ErrorKind::PermissionDenied,
                      ::geteuid() == 0
                          ? "needs CAP_BPF and CAP_PERFMON, which this root process lacks"
                          : "needs root (CAP_BPF and CAP_PERFMON)");
}

Result<void> check_kernel_btf() {
    if (::access(kKernelBtfPath, R_OK) != 0) {
        int e = errno;
        return std::unexpected(Error{ErrorKind::Unsupported, e,
                                     std::string("the kernel exposes no BTF (") + kKernelBtfPath +
                                         ": " + errno_text(e) + ")"});
    }
    return {};
}

Result<void> ensure_tracefs() {
    constexpr const char* kTracefs = "/sys/kernel/tracing";
    if (::access("/sys/kernel/tracing/events", F_OK) == 0 ||
        ::access("/sys/kernel/debug/tracing/events", F_OK) == 0) {
        return {};
    }
    if (::mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) {
        int e = errno;
        return std::unexpected(Error{ErrorKind::Unsupported, e,
                                     std::string("tracefs is not mounted and cannot be (mount ") +
                                         kTracefs + ": " + errno_text(e) + ")"});
    }
    return {};
}

Result<void> prepare_pin_dir(const std::string& dir, MountBpfFs mount) {
    auto slash = dir.rfind('/');
    std::string parent = slash == std::string::npos || slash == 0 ? "/" : dir.substr(0, slash);
    struct statfs fs {};
    if (::statfs(parent.c_str(), &fs) != 0) {
        return make_errno_error(errno, parent);
    }
    if (static_cast<unsigned long>(fs.f_type) != BPF_FS_MAGIC) {
        if (mount == MountBpfFs::Never || parent != "/sys/fs/bpf") {
            return make_error(ErrorKind::Unsupported, parent + " is not a bpf filesystem");
        }
        if (::mount("bpf", parent.c_str(), "bpf", 0, "mode=0700") != 0) {
            return make_errno_error(errno, "cannot mount a bpf filesystem on " + parent);
        }
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return make_errno_error(errno, "cannot create " + dir);
    }
    return {};
}

}  // namespace portwatch::collect::bpf
