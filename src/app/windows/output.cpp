// app/output.h on Windows: the C runtime's descriptors (_write), the console's NUL device.
#include "app/output.h"

#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace portwatch::app {

namespace {

constexpr std::size_t kBufferSize = 64 * 1024;
constexpr unsigned kMaxWrite = 1u << 30;  // _write takes an unsigned count

}  // namespace

unsigned keep_standard_fds_open() {
    unsigned closed = 0;
    for (int fd = 0; fd <= 2; ++fd) {
        if (::_get_osfhandle(fd) == -1) {
            int null = ::_open("NUL", fd == 0 ? _O_RDONLY : _O_WRONLY);
            if (null >= 0 && null != fd) {
                ::_dup2(null, fd);
                ::_close(null);
            }
            closed |= 1u << fd;
        }
    }
    // Bytes as written: JSON and CSV keep their \n, as on every other platform.
    ::_setmode(1, _O_BINARY);
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
        unsigned chunk = size > kMaxWrite ? kMaxWrite : static_cast<unsigned>(size);
        int n = ::_write(fd_, data, chunk);
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
    // A reader that went away (EPIPE, EINVAL on a closed pipe) is quiet, as on Linux.
    if (error != EPIPE && error != EINVAL) {
        err << "portwatch: write error: " << std::strerror(error) << '\n';
        err.flush();
    }
    return failure_code;
}

}  // namespace portwatch::app
