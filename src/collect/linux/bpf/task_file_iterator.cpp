#include "collect/linux/bpf/task_file_iterator.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "collect/linux/bpf/libbpf_support.h"
#include "owners.skel.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::bpf {

namespace {

constexpr std::size_t kFirstReadRecords = std::size_t{1} << 16;  // 1 MiB

}  // namespace

void TaskFileIterator::Destroy::operator()(owners_bpf* skeleton) const {
    owners_bpf__destroy(skeleton);
}

bool TaskFileIterator::likely_available() {
    return check_bpf_privileges().has_value() && check_kernel_btf().has_value();
}

Result<TaskFileIterator> TaskFileIterator::create() {
    if (auto privileged = check_bpf_privileges(); !privileged) {
        return std::unexpected(privileged.error());
    }
    if (auto btf = check_kernel_btf(); !btf) {
        return std::unexpected(btf.error());
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
