#include "collect/linux/bpf/task_file_iterator.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include "owners.skel.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::bpf {

namespace {

constexpr const char* kBtfPath = "/sys/kernel/btf/vmlinux";
constexpr std::size_t kFirstReadRecords = std::size_t{1} << 16;  // 1 MiB

// libbpf reports through one process-wide print callback. While a CaptureLibbpf is alive on a
// thread, that thread's warnings are kept (the last one goes into our error message) instead
// of being printed: a failed probe under --owners=auto must not spray stderr.
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

class CaptureLibbpf {
  public:
    CaptureLibbpf() {
        libbpf_set_print(libbpf_print);
        libbpf_sink = &last_;
    }
    CaptureLibbpf(const CaptureLibbpf&) = delete;
    CaptureLibbpf& operator=(const CaptureLibbpf&) = delete;
    ~CaptureLibbpf() { libbpf_sink = nullptr; }
    std::string detail() const { return last_.empty() ? "" : " (libbpf: " + last_ + ")"; }

  private:
    std::string last_;
};

Error with_detail(Error error, const std::string& detail) {
    error.message += detail;
    return error;
}

// Loading a tracing program needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN, which implies
// both on older kernels). Asking first turns a bare EPERM into an actionable message.
Result<void> check_privileges() {
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

}  // namespace

void TaskFileIterator::Destroy::operator()(owners_bpf* skeleton) const {
    owners_bpf__destroy(skeleton);
}

bool TaskFileIterator::likely_available() {
    return check_privileges().has_value() && ::access(kBtfPath, R_OK) == 0;
}

Result<TaskFileIterator> TaskFileIterator::create() {
    if (auto privileged = check_privileges(); !privileged) {
        return std::unexpected(privileged.error());
    }
    if (::access(kBtfPath, R_OK) != 0) {
        int e = errno;
        return std::unexpected(Error{
            ErrorKind::Unsupported, e,
            std::string("the kernel exposes no BTF (") + kBtfPath + ": " + errno_text(e) + ")"});
    }
    CaptureLibbpf capture;
    std::unique_ptr<owners_bpf, Destroy> skeleton(owners_bpf__open());
    if (!skeleton) {
        return std::unexpected(
            with_detail(errno_error(errno, "cannot open the eBPF object"), capture.detail()));
    }
    if (int err = owners_bpf__load(skeleton.get()); err != 0) {
        return std::unexpected(with_detail(
            errno_error(err < 0 ? -err : err, "the kernel refused the iter/task_file program"),
            capture.detail()));
    }
    if (int err = owners_bpf__attach(skeleton.get()); err != 0) {
        return std::unexpected(with_detail(
            errno_error(err < 0 ? -err : err, "cannot attach the iter/task_file program"),
            capture.detail()));
    }
    return TaskFileIterator(std::move(skeleton));
}

// The kernel fills at most one seq_file buffer (8 pages) per read(), but a large user buffer
// costs nothing and keeps the loop short when that limit grows. Records never straddle reads
// while the buffer has room for a whole one; a short tail is still carried over, not lost.
Result<std::vector<pw_fd_record>> TaskFileIterator::walk() const {
    sys::UniqueFd iter(bpf_iter_create(bpf_link__fd(skeleton_->links.dump_task_file)));
    if (!iter) {
        return make_errno_error(errno, "cannot open a task_file iterator");
    }
    std::vector<pw_fd_record> records(kFirstReadRecords);
    std::size_t bytes = 0;
    for (;;) {
        const std::size_t capacity = records.size() * sizeof(pw_fd_record);
        if (capacity - bytes < std::size_t{64} * 1024) {
            records.resize(records.size() * 2);
            continue;
        }
        ssize_t n =
            ::read(iter.get(), reinterpret_cast<char*>(records.data()) + bytes, capacity - bytes);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return make_errno_error(errno, "reading the task_file iterator failed");
        }
        if (n == 0) {
            break;
        }
        bytes += static_cast<std::size_t>(n);
    }
    if (bytes % sizeof(pw_fd_record) != 0) {
        return make_error("the task_file iterator returned a truncated record (" +
                          std::to_string(bytes) + " bytes)");
    }
    records.resize(bytes / sizeof(pw_fd_record));
    return records;
}

}  // namespace portwatch::collect::bpf
