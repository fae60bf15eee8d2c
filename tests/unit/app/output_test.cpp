// Standard output that knows whether it was written (issue #8, class 4).

#include "app/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <sstream>
#include <string>

namespace portwatch::app {
namespace {

TEST(CheckedOutput, SuccessKeepsTheCommandsCode) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::ostringstream err;
    int code = 0;
    {
        CheckedOutput out(fds[1]);
        out.stream() << "hello " << 42 << '\n';
        code = out.finish(err, 2, 9);
    }
    ::close(fds[1]);
    char buf[64] = {};
    ASSERT_EQ(::read(fds[0], buf, sizeof buf), 9);
    ::close(fds[0]);
    EXPECT_EQ(std::string(buf), "hello 42\n");
    EXPECT_EQ(code, 2);
    EXPECT_TRUE(err.str().empty());
}

TEST(CheckedOutput, FullDeviceIsAWriteError) {
    int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::ostringstream err;
    CheckedOutput out(fd);
    out.stream() << "a few bytes, still in the buffer\n";
    EXPECT_EQ(out.finish(err, 0, 3), 3);
    EXPECT_EQ(err.str(), "portwatch: write error: No space left on device\n");
    ::close(fd);
}

TEST(CheckedOutput, LargeOutputFailsEarlyAndStopsWriting) {
    int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::ostringstream err;
    CheckedOutput out(fd);
    std::string line(1000, 'x');
    for (int i = 0; i < 1000; ++i) {
        out.stream() << line << '\n';
    }
    EXPECT_TRUE(out.stream().bad());
    EXPECT_EQ(out.finish(err, 0, 1), 1);
    EXPECT_EQ(err.str(), "portwatch: write error: No space left on device\n");
    ::close(fd);
}

TEST(CheckedOutput, ClosedAtStartIsBadFileDescriptor) {
    int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::ostringstream err;
    CheckedOutput out(fd, /*closed=*/true);
    out.stream() << "x\n";
    EXPECT_EQ(out.finish(err, 0, 1), 1);
    EXPECT_EQ(err.str(), "portwatch: write error: Bad file descriptor\n");
    ::close(fd);
}

// A reader that went away (`| head -1`) with SIGPIPE ignored: the code says so, stderr does not.
TEST(CheckedOutput, BrokenPipeIsQuiet) {
    auto old = std::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    std::ostringstream err;
    CheckedOutput out(fds[1]);
    out.stream() << "nobody reads this\n";
    EXPECT_EQ(out.finish(err, 0, 3), 3);
    EXPECT_TRUE(err.str().empty()) << err.str();
    ::close(fds[1]);
    std::signal(SIGPIPE, old);
}

TEST(CheckedOutput, NothingWrittenIsNoError) {
    int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::ostringstream err;
    CheckedOutput out(fd, true);
    EXPECT_EQ(out.finish(err, 0, 1), 0);
    EXPECT_TRUE(err.str().empty());
    ::close(fd);
}

}  // namespace
}  // namespace portwatch::app
