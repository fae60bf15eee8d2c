#include "app/output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace portwatch::app {

namespace {

constexpr std::size_t kBufferSize = 64 * 1024;

}  // namespace

unsigned keep_standard_fds_open() {
    unsigned closed = 0;
    // In order: open() returns the lowest free number, so each lands on the one it replaces.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (null >= 0 && null != fd) {  // cannot happen while the lower ones are open
                ::dup2(null, fd);
                ::close(null);
            }
            closed |= 1u << fd;
        }
    }
    return closed;
}

FdStreamBuf::FdStreamBuf(int fd, bool closed) : fd_(fd), closed_(closed), buffer_(kBufferSize) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
}

FdStreamBuf::~FdStreamBuf() {
    drain();
}

bool FdStreamBuf::write_all(const char* data, std::size_t size) {
    if (error_ != 0) {
        return false;
    }
    if (closed_ && size > 0) {
        error_ = EBADF;
        return false;
    }
    while (size > 0) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_ = errno;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool FdStreamBuf::drain() {
    bool ok = write_all(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    setp(buffer_.data(), buffer_.data() + buffer_.size());  // a failure discards the rest
    return ok;
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type c) {
    if (!drain()) {
        return traits_type::eof();
    }
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
        *pptr() = traits_type::to_char_type(c);
        pbump(1);
    }
    return traits_type::not_eof(c);
}

std::streamsize FdStreamBuf::xsputn(const char* s, std::streamsize n) {
    auto size = static_cast<std::size_t>(n);
    if (size <= static_cast<std::size_t>(epptr() - pptr())) {
        std::memcpy(pptr(), s, size);
        pbump(static_cast<int>(size));
        return n;
    }
    // Larger than the room left: out with the buffer, then this directly.
    if (!drain() || !write_all(s, size)) {
        return 0;
    }
    return n;
}

int FdStreamBuf::sync() {
    return drain() ? 0 : -1;
}

int CheckedOutput::finish(std::ostream& err, int code, int failure_code) {
    stream_.flush();
    int error = buf_.error();
    if (error == 0) {
        return code;
    }
    if (error != EPIPE) {
        err << "portwatch: write error: " << std::strerror(error) << '\n';
        err.flush();
    }
    return failure_code;
}

}  // namespace portwatch::app
