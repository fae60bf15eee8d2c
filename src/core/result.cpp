#include "core/result.h"

#include <cerrno>
#include <system_error>

namespace portwatch {

std::string errno_text(int code) {
    return std::generic_category().message(code);
}

ErrorKind errno_kind(int code) {
    switch (code) {
        case ENOENT:
        case ESRCH:
        case ENXIO:
        case ENODEV:
            return ErrorKind::NotFound;
        case EACCES:
        case EPERM:
            return ErrorKind::PermissionDenied;
        case ENOSYS:
        case EOPNOTSUPP:
        case EAFNOSUPPORT:
        case EPROTONOSUPPORT:
            return ErrorKind::Unsupported;
        case EMFILE:
        case ENFILE:
        case ENOMEM:
        case ENOBUFS:
        case ENOSPC:
            return ErrorKind::Exhausted;
        default:
            return ErrorKind::Io;
    }
}

Error errno_error(int code, std::string_view what) {
    return Error{errno_kind(code), code, std::string(what) + ": " + errno_text(code)};
}

}  // namespace portwatch
