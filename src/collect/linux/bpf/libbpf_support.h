#pragma once
// What every eBPF part of the live source needs before and while it loads a program: the
// privilege and BTF checks that turn a bare EPERM into an actionable message, and libbpf's
// messages kept instead of printed (the last one goes into the error text).

#include <string>

#include "core/result.h"

namespace portwatch::collect::bpf {

inline constexpr const char* kKernelBtfPath = "/sys/kernel/btf/vmlinux";

// CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): a PermissionDenied Error that says which.
Result<void> check_bpf_privileges();

// The kernel's BTF is readable: an Unsupported Error otherwise.
Result<void> check_kernel_btf();

// Tracepoints are attached by their tracefs ids: makes sure tracefs is mounted (on
// /sys/kernel/tracing, where systemd mounts it, when neither it nor debugfs's tracing
// directory is there). An Unsupported Error when it cannot be.
Result<void> ensure_tracefs();

enum class MountBpfFs { IfMissing, Never };

// Makes sure `dir`'s parent is a bpf filesystem and `dir` exists (mode 0700 when made). With
// IfMissing, mounts one on /sys/fs/bpf when nothing is mounted there, as bpftool does; with
// Never (a snapshot, which leaves the mounts as they were) that is an Unsupported Error.
Result<void> prepare_pin_dir(const std::string& dir, MountBpfFs mount);

// While alive on a thread, that thread's libbpf warnings are kept, not printed: a failed probe
// under `auto` must not spray stderr.
class CaptureLibbpf {
  public:
    CaptureLibbpf();
    CaptureLibbpf(const CaptureLibbpf&) = delete;
    CaptureLibbpf& operator=(const CaptureLibbpf&) = delete;
    ~CaptureLibbpf();
    // " (libbpf: <last warning>)", or "" when libbpf said nothing.
    std::string detail() const;

  private:
    std::string last_;
};

// `error` with `detail` appended to its message.
Error with_detail(Error error, const std::string& detail);

}  // namespace portwatch::collect::bpf
