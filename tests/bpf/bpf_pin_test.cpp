// The owner program's pin (collect/linux/bpf/task_file_iterator.h): the first load pins its
// link and later ones open the pin instead of loading; a foreign object under the pin's name
// and other builds' pins are replaced; a directory others may write is neither read nor
// written; and a reader in a pid namespace of its own numbers processes as its /proc does
// through a program another reader loaded. Root and eBPF: skips without, fails when CI is set.

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "collect/linux/bpf/task_file_iterator.h"
#include "support/process.h"
#include "sys/unique_fd.h"

namespace portwatch::collect::bpf {
namespace {

bool is_bpf_fs(const char* path) {
    struct statfs fs {};
    return ::statfs(path, &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

// Whether `iterator`'s walk has a socket record for `inode` in process `tgid`; "" when it
// has, else what went wrong.
std::string walk_finds(const TaskFileIterator& iterator, std::uint64_t inode, std::uint32_t tgid) {
    auto records = iterator.walk();
    if (!records) {
        return "walk failed: " + records.error().message;
    }
    for (const auto& r : *records) {
        if (r.inode == inode && (r.flags & PW_FD_SOCKET) != 0) {
            return r.tgid == tgid ? ""
                                  : "socket found in process " + std::to_string(r.tgid) +
                                        ", expected " + std::to_string(tgid);
        }
    }
    return "socket inode " + std::to_string(inode) + " not in the walk";
}

std::uint64_t inode_of(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// A pin directory of the test's own under /sys/fs/bpf, removed with what is in it.
class OwnerPin : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!testing::require_root("the owner pin test")) {
            GTEST_SKIP() << "needs root";
        }
        if (!is_bpf_fs("/sys/fs/bpf") &&
            ::mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0) {
            FAIL() << "no bpf filesystem on /sys/fs/bpf and cannot mount one: "
                   << std::strerror(errno);
        }
        dir_ = "/sys/fs/bpf/portwatch-test-" + std::to_string(::getpid());
        std::filesystem::remove_all(dir_);
        socket_ = sys::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(socket_);
        inode_ = inode_of(socket_.get());
    }
    void TearDown() override {
        if (!dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(dir_, ignored);
        }
    }

    // The first create() in a test: loads (CI: must work), or skips without eBPF.
    std::optional<TaskFileIterator> load() {
        auto it = TaskFileIterator::create(dir_);
        if (!it) {
            if (std::getenv("CI") != nullptr) {
                ADD_FAILURE() << "the owner program cannot load: " << it.error().message;
            }
            return std::nullopt;
        }
        return std::move(*it);
    }
    std::string pin() const { return dir_ + "/" + TaskFileIterator::pin_name(); }
    bool exists(const std::string& path) const {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0;
    }

    std::string dir_;
    sys::UniqueFd socket_;
    std::uint64_t inode_ = 0;
};

TEST_F(OwnerPin, FirstLoadPinsAndLaterRunsOpenThePin) {
    auto first = load();
    if (!first) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    EXPECT_FALSE(first->from_pin());
    ASSERT_TRUE(exists(pin())) << pin();
    EXPECT_EQ(walk_finds(*first, inode_, static_cast<std::uint32_t>(::getpid())), "");

    auto second = TaskFileIterator::create(dir_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->from_pin());
    EXPECT_EQ(walk_finds(*second, inode_, static_cast<std::uint32_t>(::getpid())), "");

    // The loader gone (its program and link fds closed), the pin still serves.
    first.reset();
    second = TaskFileIterator::create(dir_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->from_pin());
    EXPECT_EQ(walk_finds(*second, inode_, static_cast<std::uint32_t>(::getpid())), "");

    // No pin directory given: nothing read, nothing made.
    auto unpinned = TaskFileIterator::create("");
    ASSERT_TRUE(unpinned) << unpinned.error().message;
    EXPECT_FALSE(unpinned->from_pin());
}

TEST_F(OwnerPin, ForeignObjectAndOtherBuildsPinsAreReplaced) {
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0) << std::strerror(errno);
    sys::UniqueFd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "pw_pin_test", 4, 4, 1, nullptr));
    ASSERT_TRUE(map) << std::strerror(errno);
    const std::string other_build = dir_ + "/owners-0123456789abcdef";
    ASSERT_EQ(bpf_obj_pin(map.get(), pin().c_str()), 0) << std::strerror(errno);
    ASSERT_EQ(bpf_obj_pin(map.get(), other_build.c_str()), 0) << std::strerror(errno);
    const std::string unrelated = dir_ + "/makers";
    ASSERT_EQ(bpf_obj_pin(map.get(), unrelated.c_str()), 0) << std::strerror(errno);

    auto first = load();
    if (!first) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    EXPECT_FALSE(first->from_pin()) << "a map pinned under the program's name was taken";
    EXPECT_EQ(walk_finds(*first, inode_, static_cast<std::uint32_t>(::getpid())), "");
    EXPECT_FALSE(exists(other_build)) << "another build's pin was left";
    EXPECT_TRUE(exists(unrelated)) << "a pin that is not the owner program's was removed";

    auto second = TaskFileIterator::create(dir_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->from_pin()) << "the foreign object was not replaced by the link";
}

TEST_F(OwnerPin, DirectoryOthersMayWriteIsNotUsed) {
    auto first = load();
    if (!first) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    ASSERT_TRUE(exists(pin()));
    ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0) << std::strerror(errno);
    auto second = TaskFileIterator::create(dir_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(second->from_pin()) << "a pin in a world-writable directory was taken";
    EXPECT_EQ(walk_finds(*second, inode_, static_cast<std::uint32_t>(::getpid())), "");
}

// A reader in a pid namespace of its own (as pid 1, with its own /proc) opens the pin the
// test's loader made and must see its own socket under pid 1: "" when it does.
std::string read_pin_in_pid_namespace(const std::string& dir) {
    sys::UniqueFd own(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto it = TaskFileIterator::create(dir);
    if (!it) {
        return "create failed in the pid namespace: " + it.error().message;
    }
    if (!it->from_pin()) {
        return "the pid namespace's reader loaded its own program instead of the pin";
    }
    if (::getpid() != 1) {
        return "expected pid 1, got " + std::to_string(::getpid());
    }
    return walk_finds(*it, inode_of(own.get()), 1);
}

TEST_F(OwnerPin, ReaderInAPidNamespaceOfItsOwnNumbersByItsProc) {
    auto loader = load();
    if (!loader) {
        GTEST_SKIP() << "eBPF unavailable";
    }
    EXPECT_EQ(testing::in_new_pid_namespace([&] { return read_pin_in_pid_namespace(dir_); }), "");
    // And the loader, in the initial namespace, still numbers by its own.
    EXPECT_EQ(walk_finds(*loader, inode_, static_cast<std::uint32_t>(::getpid())), "");
}

}  // namespace
}  // namespace portwatch::collect::bpf
