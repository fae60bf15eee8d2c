#pragma once
// The project's one error idiom: std::expected<T, Error>. An Error says what kind of failure it
// is and, for a failed system call, its errno (or Windows error code), so callers decide
// without probing the system again; its message is for people.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace portwatch {

enum class ErrorKind {
    Invalid,   // bad input: an argument, a line of a file, a value out of range
    NotFound,  // ENOENT, ESRCH: a file, process or namespace that is not (or no longer) there
    PermissionDenied,  // EACCES, EPERM: needs root or a capability
    Unsupported,       // the kernel or this build cannot do it (ENOSYS, EOPNOTSUPP, no BTF, ...)
    Exhausted,         // EMFILE, ENFILE, ENOMEM, ENOBUFS: a resource ran out
    Io,                // any other failed system call
    Internal,          // a broken promise inside portwatch (a bug, reported, never a crash)
};

struct Error {
    ErrorKind kind = ErrorKind::Invalid;
    int code = 0;  // errno on Linux, the Windows error code on Windows; 0 when not a system error
    std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

// Bad input (arguments, file contents): the common case.
inline std::unexpected<Error> make_error(std::string message) {
    return std::unexpected<Error>(Error{ErrorKind::Invalid, 0, std::move(message)});
}

inline std::unexpected<Error> make_error(ErrorKind kind, std::string message) {
    return std::unexpected<Error>(Error{kind, 0, std::move(message)});
}

// The text of an errno value ("Permission denied"), thread-safe, no OS header needed.
std::string errno_text(int code);

// The kind an errno value belongs to.
ErrorKind errno_kind(int code);

// A failed system call: "what: <errno text>", its kind and errno kept.
Error errno_error(int code, std::string_view what);
inline std::unexpected<Error> make_errno_error(int code, std::string_view what) {
    return std::unexpected<Error>(errno_error(code, what));
}

// The same error with context in front of its message ("/proc/net/tcp: ..."), kind and code kept.
inline Error with_context(Error error, std::string_view context) {
    error.message = std::string(context) + ": " + error.message;
    return error;
}

}  // namespace portwatch
