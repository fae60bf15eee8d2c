#include "collect/linux/bpf/task_file_iterator.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "collect/linux/bpf/libbpf_support.h"
#include "owners.skel.h"

namespace portwatch::collect::bpf {

namespace {

constexpr std::size_t kFirstReadRecords = std::size_t{1} << 16;  // 1 MiB
constexpr const char* kProgramName = "dump_task_file";

// Nobody but this process's user may have put anything in `dir`.
bool trusted_dir(const std::string& dir) {
    struct stat st {};
    return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// `fd` is a bpf link of the iterator type whose program is ours.
bool is_owner_iterator_link(int fd) {
    char target[64] = {};
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    if (::readlink(self.c_str(), target, sizeof target - 1) < 0 ||
        std::string_view(target) != "anon_inode:bpf-link") {
        return false;
    }
    bpf_link_info link{};
    std::uint32_t len = sizeof link;
    if (bpf_obj_get_info_by_fd(fd, &link, &len) != 0 || link.type != BPF_LINK_TYPE_ITER) {
        return false;
    }
    sys::UniqueFd prog(bpf_prog_get_fd_by_id(link.prog_id));
    bpf_prog_info info{};
    len = sizeof info;
    return prog && bpf_obj_get_info_by_fd(prog.get(), &info, &len) == 0 &&
           std::string_view(info.name) == kProgramName;
}

// The link pinned at `path` in a trusted `dir`; none when there is none, or something else.
sys::UniqueFd open_pin(const std::string& dir, const std::string& path) {
    if (!trusted_dir(dir)) {
        return {};
    }
    sys::UniqueFd fd(bpf_obj_get(path.c_str()));
    return fd && is_owner_iterator_link(fd.get()) ? std::move(fd) : sys::UniqueFd();
}

// Pins `link_fd` at `dir`/`name` for the next runs, when `dir`'s parent is a bpf filesystem
// (never mounting one: a snapshot leaves the mounts as they were), and removes the pins other
// builds left there. Best effort: without a pin the next run loads the program again.
void pin_link(int link_fd, const std::string& dir, const std::string& name) {
    if (!prepare_pin_dir(dir, MountBpfFs::Never) || !trusted_dir(dir)) {
        return;
    }
    const std::string path = dir + "/" + name;
    if (bpf_obj_pin(link_fd, path.c_str()) != 0) {
        // Another run pinned its link meanwhile (fine), or something else holds the name.
        if (errno != EEXIST || open_pin(dir, path) || ::unlink(path.c_str()) != 0 ||
            bpf_obj_pin(link_fd, path.c_str()) != 0) {
            return;
        }
    }
    std::unique_ptr<DIR, int (*)(DIR*)> entries(::opendir(dir.c_str()), ::closedir);
    if (!entries) {
        return;
    }
    while (const dirent* entry = ::readdir(entries.get())) {
        std::string_view other = entry->d_name;
        if (other.starts_with("owners-") && other != name) {
            ::unlinkat(::dirfd(entries.get()), entry->d_name, 0);
        }
    }
}

}  // namespace

void TaskFileIterator::Destroy::operator()(owners_bpf* skeleton) const {
    owners_bpf__destroy(skeleton);
}

bool TaskFileIterator::likely_available() {
    return check_bpf_privileges().has_value() && check_kernel_btf().has_value();
}

// FNV-1a over the program's ELF object: another build's program (another record layout)
// gets another name.
std::string TaskFileIterator::pin_name() {
    static const std::string name = [] {
        std::size_t size = 0;
        const auto* bytes = static_cast<const unsigned char*>(owners_bpf__elf_bytes(&size));
        std::uint64_t hash = 0xcbf29ce484222325ULL;
        for (std::size_t i = 0; i < size; ++i) {
            hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
        }
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
        return std::string("owners-") + hex;
    }();
    return name;
}

Result<TaskFileIterator> TaskFileIterator::create(const std::string& pin_dir) {
    if (auto privileged = check_bpf_privileges(); !privileged) {
        return std::unexpected(privileged.error());
    }
    if (auto btf = check_kernel_btf(); !btf) {
        return std::unexpected(btf.error());
    }
    if (!pin_dir.empty()) {
        if (auto pinned = open_pin(pin_dir, pin_dir + "/" + pin_name())) {
            return TaskFileIterator(nullptr, std::move(pinned));
        }
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
    if (!pin_dir.empty()) {
        pin_link(bpf_link__fd(skeleton->links.dump_task_file), pin_dir, pin_name());
    }
    return TaskFileIterator(std::move(skeleton), sys::UniqueFd());
}

int TaskFileIterator::link_fd() const {
    return skeleton_ ? bpf_link__fd(skeleton_->links.dump_task_file) : pinned_.get();
}

// The kernel fills at most one seq_file buffer (8 pages) per read(), but a large user buffer
// costs nothing and keeps the loop short when that limit grows. Records never straddle reads
// while the buffer has room for a whole one; a short tail is still carried over, not lost.
Result<std::vector<pw_fd_record>> TaskFileIterator::walk() const {
    sys::UniqueFd iter(bpf_iter_create(link_fd()));
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
