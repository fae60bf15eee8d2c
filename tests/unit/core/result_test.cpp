// The error idiom, whitespace and the clock: the small pieces every layer shares.

#include "core/result.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "core/clock.h"
#include "core/text.h"

namespace portwatch {
namespace {

TEST(Error, ErrnoKeepsTheCodeAndNamesTheKind) {
    Error e = errno_error(EACCES, "cannot open /proc/1/fd");
    EXPECT_EQ(e.kind, ErrorKind::PermissionDenied);
    EXPECT_EQ(e.code, EACCES);
    EXPECT_EQ(e.message, "cannot open /proc/1/fd: Permission denied");

    EXPECT_EQ(errno_error(ENOENT, "x").kind, ErrorKind::NotFound);
    EXPECT_EQ(errno_error(ESRCH, "x").kind, ErrorKind::NotFound);
    EXPECT_EQ(errno_error(EPERM, "x").kind, ErrorKind::PermissionDenied);
    EXPECT_EQ(errno_error(EMFILE, "x").kind, ErrorKind::Exhausted);
    EXPECT_EQ(errno_error(ENOBUFS, "x").kind, ErrorKind::Exhausted);
    EXPECT_EQ(errno_error(EPROTONOSUPPORT, "x").kind, ErrorKind::Unsupported);
    EXPECT_EQ(errno_error(EIO, "x").kind, ErrorKind::Io);
}

TEST(Error, BadInputIsInvalidWithoutACode) {
    Result<int> r = make_error("expected a number, got 'x'");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Invalid);
    EXPECT_EQ(r.error().code, 0);
    Result<int> typed = make_error(ErrorKind::Unsupported, "no BTF");
    EXPECT_EQ(typed.error().kind, ErrorKind::Unsupported);
}

TEST(Error, ContextKeepsKindAndCode) {
    Error e = with_context(errno_error(ENOENT, "open"), "/proc/net/tcp6");
    EXPECT_EQ(e.message, "/proc/net/tcp6: open: No such file or directory");
    EXPECT_EQ(e.kind, ErrorKind::NotFound);
    EXPECT_EQ(e.code, ENOENT);
}

TEST(Text, TrimTakesEveryBlankAndOnlyBlanks) {
    EXPECT_EQ(core::trim(" \t\r\n\v\f x y \r\n"), "x y");
    EXPECT_EQ(core::trim("   "), "");
    EXPECT_EQ(core::trim(""), "");
    EXPECT_EQ(core::trim("a"), "a");
    EXPECT_FALSE(core::is_space('x'));
    EXPECT_FALSE(core::is_space('\0'));
}

TEST(Clock, FixedClockSaysWhatItWasTold) {
    core::TimePoint t{std::chrono::seconds(1'764'000'000)};
    core::FixedClock clock(t);
    EXPECT_EQ(clock.now(), t);
    clock.set(t + std::chrono::seconds(5));
    EXPECT_EQ(clock.now(), t + std::chrono::seconds(5));
    auto before = std::chrono::system_clock::now();
    EXPECT_GE(core::system_clock().now(), before);
}

}  // namespace
}  // namespace portwatch
