// The history under the failures the monitor must survive: killed with SIGKILL during heavy
// writes (at most the last second lost, the file intact), and a full disk (ErrorKind::Exhausted,
// then writing resumes once there is room). The full-disk test mounts a tiny tmpfs in a private
// mount namespace of a forked child, so it needs root: without it it skips, and fails when CI
// is set.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "store/paths.h"
#include "store/sqlite_store.h"
#include "store/time_units.h"
#include "support/process.h"
#include "unit/store/store_samples.h"

namespace portwatch::store {
namespace {

using testing::maker;
using testing::opened;
using testing::TempDir;

core::EventBatch batch_at(core::TimePoint at, int size, int round) {
    core::EventBatch batch;
    auto who = maker(4242, "writer");
    for (int i = 0; i < size; ++i) {
        batch.ports.push_back(opened(at, who,
                                     static_cast<std::uint16_t>(1024 + (round * size + i) % 60000),
                                     "10.1.0." + std::to_string(i % 250), 443));
    }
    return batch;
}

std::string integrity(Db& db) {
    auto s = db.prepare("PRAGMA integrity_check");
    if (!s) {
        return s.error().message;
    }
    auto row = s->step();
    if (!row) {
        return row.error().message;
    }
    return *row ? s->column_text(0) : "no row";
}

// Reads what the child wrote to `fd` until it closes it.
std::string read_all(int fd) {
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

TEST(Reliability, KillNineDuringHeavyWritesLosesAtMostTheLastSecond) {
    TempDir dir;
    const std::string path = dir.file("history.db");
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[0]);
        auto db = open_history(path, OpenMode::ReadWrite);
        if (!db) {
            ::_exit(2);
        }
        auto store = SqliteStore::create(std::move(*db), core::system_clock());
        if (!store) {
            ::_exit(3);
        }
        for (int round = 0;; ++round) {
            // Each batch is stamped with the real time it is recorded, and that time goes to
            // the parent once record() accepted it.
            const std::int64_t stamp = to_ms(core::system_clock().now());
            if (!store->record(batch_at(from_ms(stamp), 200, round))) {
                ::_exit(4);
            }
            if (::write(ready[1], &stamp, sizeof stamp) != sizeof stamp) {
                ::_exit(5);
            }
        }
    }
    ::close(ready[1]);
    // The newest stamp the store accepted before the kill: what was lost is measured against
    // it, so a writer the scheduler held back does not count as a store losing data.
    std::int64_t accepted = 0;
    auto read_stamps = [&] {
        std::int64_t stamp = 0;
        ssize_t n = ::read(ready[0], &stamp, sizeof stamp);
        if (n == sizeof stamp) {
            accepted = stamp;
        }
        return n > 0;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2600);
    while (std::chrono::steady_clock::now() < deadline && read_stamps()) {
    }
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself: " << WEXITSTATUS(status);
    while (read_stamps()) {  // what it wrote between the last read and the kill
    }
    ::close(ready[0]);
    ASSERT_GT(accepted, 0) << "the writer never recorded";

    auto db = open_history(path, OpenMode::ReadWrite);  // recovers the WAL
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(integrity(*db), "ok");
    auto rows = db->query_int("SELECT COUNT(*) FROM port_events");
    auto newest = db->query_int("SELECT MAX(at) FROM port_events");
    ASSERT_TRUE(rows && newest);
    EXPECT_GT(*rows, 20000) << "not a heavy write";
    const auto lost = std::chrono::milliseconds(accepted - *newest);
    // At most one commit interval (1 s) of what record() had accepted, plus the gap between
    // one transaction's last batch and the next one's first (a batch: ~2 ms; 100 ms of slack
    // for a loaded machine's scheduler).
    EXPECT_LE(lost, std::chrono::milliseconds(1100)) << *rows << " rows kept";
    EXPECT_GE(lost, std::chrono::milliseconds(0));
    std::cout << "[ reliability ] kill -9 after 2.6 s: " << *rows << " events kept, the last "
              << lost.count() << " ms of accepted events lost\n";
    // And writing goes on in the same file.
    auto store = SqliteStore::create(std::move(*db), core::system_clock());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->record(batch_at(core::system_clock().now(), 10, 0)));
    ASSERT_TRUE(store->flush());
}

// In the child, in its own mount namespace: the outcome as text, "ok" at the end when all held.
std::string full_disk_child(const std::string& dir) {
    if (::unshare(CLONE_NEWNS) != 0) {
        return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return std::string("making / private: ") + std::strerror(errno);
    }
    if (::mount("portwatch-test", dir.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
        return std::string("mounting a 1 MiB tmpfs: ") + std::strerror(errno);
    }
    const std::string filler = dir + "/filler";
    {
        std::ofstream f(filler, std::ios::binary);
        f << std::string(256 << 10, 'x');
        if (!f) {
            return "writing the filler file failed";
        }
    }
    auto db = open_history(dir + "/history.db", OpenMode::ReadWrite);
    if (!db) {
        return "open: " + db.error().message;
    }
    core::FixedClock clock(core::TimePoint(std::chrono::seconds(1764583200)));
    auto store = SqliteStore::create(std::move(*db), clock);
    if (!store) {
        return "create: " + store.error().message;
    }
    std::string report;
    int round = 0;
    Result<void> r;
    for (; round < 10000; ++round) {
        r = store->record(batch_at(clock.now(), 100, round));
        if (r) {
            r = store->flush();
        }
        if (!r) {
            break;
        }
    }
    if (r) {
        return "1 MiB never filled up after " + std::to_string(round) + " batches";
    }
    if (r.error().kind != ErrorKind::Exhausted) {
        return "full disk gave kind " + std::to_string(static_cast<int>(r.error().kind)) + ": " +
               r.error().message;
    }
    report += "full after " + std::to_string(round) + " batches: " + r.error().message + "\n";
    // Still full: still Exhausted, never a crash or a corrupt file.
    auto again = store->record(batch_at(clock.now(), 100, round));
    if (again) {
        again = store->flush();
    }
    if (again || again.error().kind != ErrorKind::Exhausted) {
        return report + "a second write on the full disk did not say Exhausted";
    }
    if (::unlink(filler.c_str()) != 0) {
        return report + "unlink filler: " + std::strerror(errno);
    }
    for (int i = 0; i < 3; ++i) {
        auto ok = store->record(batch_at(clock.now(), 100, round + 1 + i));
        if (ok) {
            ok = store->flush();
        }
        if (!ok) {
            return report + "writing did not resume with room: " + ok.error().message;
        }
    }
    auto check = store->db().prepare("PRAGMA integrity_check");
    if (!check || !check->step() || check->column_text(0) != "ok") {
        return report + "integrity_check failed after the full disk";
    }
    return report + "ok";
}

TEST(Reliability, FullDiskIsExhaustedAndWritingResumesWhenThereIsRoom) {
    if (!portwatch::testing::require_root("the full-disk test (a tmpfs in a mount namespace)")) {
        GTEST_SKIP() << "needs root";
    }
    TempDir dir;
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(out[0]);
        std::string report = full_disk_child(dir.path());
        (void)::write(out[1], report.data(), report.size());
        ::_exit(report.ends_with("ok") ? 0 : 1);
    }
    ::close(out[1]);
    std::string report = read_all(out[0]);
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died: " << report;
    EXPECT_EQ(WEXITSTATUS(status), 0) << report;
    EXPECT_TRUE(report.ends_with("ok")) << report;
    std::cout << "[ reliability ] " << report << "\n";
}

}  // namespace
}  // namespace portwatch::store
