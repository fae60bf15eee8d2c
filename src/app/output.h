#pragma once
// Standard output that knows whether it was written: every command's data goes through one
// CheckedOutput, and main() asks it once, at the end, whether every byte reached the file.

#include <ostream>
#include <streambuf>
#include <string_view>
#include <vector>

namespace portwatch::app {

// Descriptors 0, 1 and 2 that were closed when portwatch started (`portwatch snapshot >&-`)
// are opened on /dev/null, so that no file portwatch opens later (a netlink socket, a /proc
// file) takes their number and receives the output. Returns which were closed: bit n for fd n.
unsigned keep_standard_fds_open();

// A buffered stream on a file descriptor that keeps the errno of the first failed write().
// After a failure it discards what follows (the stream's badbit is set too).
class FdStreamBuf final : public std::streambuf {
  public:
    // `closed`: the descriptor was closed at start (it now points at /dev/null); the first
    // write fails with EBADF as it would have.
    explicit FdStreamBuf(int fd, bool closed = false);
    FdStreamBuf(const FdStreamBuf&) = delete;
    FdStreamBuf& operator=(const FdStreamBuf&) = delete;
    ~FdStreamBuf() override;

    int error() const { return error_; }  // 0 while every write succeeded

  protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;
    int sync() override;

  private:
    bool drain();  // writes the buffer out; false on failure
    bool write_all(const char* data, std::size_t size);

    int fd_;
    bool closed_;
    int error_ = 0;
    std::vector<char> buffer_;
};

class CheckedOutput {
  public:
    explicit CheckedOutput(int fd, bool closed = false) : buf_(fd, closed), stream_(&buf_) {}
    std::ostream& stream() { return stream_; }

    // Flushes. When every write succeeded: `code`. Otherwise `failure_code`, after
    // "portwatch: write error: <reason>" on `err`, except for a reader that went away (EPIPE
    // where SIGPIPE is ignored): like death by SIGPIPE, that is quiet.
    int finish(std::ostream& err, int code, int failure_code);

  private:
    FdStreamBuf buf_;
    std::ostream stream_;
};

}  // namespace portwatch::app
