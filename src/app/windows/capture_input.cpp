// app/capture_input.h on Windows. Files are read as they are; a pipe (standard input from
// another program) is first asked with PeekNamedPipe whether bytes are waiting, every 20 ms
// up to the idle timeout, so a silent writer ends in stopped_early() instead of a hang.
#include "app/capture_input.h"

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <streambuf>
#include <thread>

namespace portwatch::app {

class CaptureInput::Buffer : public std::streambuf {
  public:
    Buffer(int fd, bool owned, std::chrono::milliseconds idle)
        : fd_(fd), owned_(owned), idle_(idle), data_(new char[kBytes]) {
        handle_ = reinterpret_cast<HANDLE>(::_get_osfhandle(fd_));
        pipe_ = handle_ != INVALID_HANDLE_VALUE && ::GetFileType(handle_) == FILE_TYPE_PIPE;
    }
    ~Buffer() override {
        if (owned_) {
            ::_close(fd_);
        }
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    std::optional<std::string> stopped_early() const { return stopped_; }

  protected:
    int_type underflow() override {
        if (gptr() < egptr()) {
            return traits_type::to_int_type(*gptr());
        }
        if (stopped_ || ended_) {
            return traits_type::eof();
        }
        if (pipe_ && !wait_for_pipe()) {
            return traits_type::eof();
        }
        int n = ::_read(fd_, data_.get(), kBytes);
        if (n < 0) {
            return fail(std::string("read error after ") + std::to_string(bytes_) +
                        " bytes: " + std::strerror(errno));
        }
        if (n == 0) {
            ended_ = true;
            return traits_type::eof();
        }
        bytes_ += static_cast<std::uint64_t>(n);
        setg(data_.get(), data_.get(), data_.get() + n);
        return traits_type::to_int_type(*gptr());
    }

  private:
    static constexpr std::size_t kBytes = 1 << 20;

    // True when a read will not block (bytes waiting, or the writer closed the pipe).
    bool wait_for_pipe() {
        using namespace std::chrono;
        const auto start = steady_clock::now();
        for (;;) {
            DWORD available = 0;
            if (!::PeekNamedPipe(handle_, nullptr, 0, nullptr, &available, nullptr)) {
                return true;  // broken pipe: the read sees the end
            }
            if (available > 0) {
                return true;
            }
            if (idle_.count() > 0 && steady_clock::now() - start >= idle_) {
                auto seconds = duration<double>(idle_).count();
                char text[32];
                std::snprintf(text, sizeof text, "%g", seconds);
                stopped_ = "no input for " + std::string(text) + " s after " +
                           std::to_string(bytes_) +
                           " bytes, and the writer has not closed it (a pipe that stays "
                           "silent); expected end of file. --idle-timeout sets how long to wait "
                           "(0: forever)";
                return false;
            }
            std::this_thread::sleep_for(milliseconds(20));
        }
    }

    int_type fail(std::string why) {
        stopped_ = std::move(why);
        return traits_type::eof();
    }

    int fd_;
    bool owned_;
    std::chrono::milliseconds idle_;
    std::unique_ptr<char[]> data_;
    HANDLE handle_ = INVALID_HANDLE_VALUE;
    bool pipe_ = false;
    std::uint64_t bytes_ = 0;
    bool ended_ = false;
    std::optional<std::string> stopped_;
};

CaptureInput::CaptureInput(std::unique_ptr<Buffer> buffer)
    : buffer_(std::move(buffer)), stream_(std::make_unique<std::istream>(buffer_.get())) {}

CaptureInput::~CaptureInput() = default;

Result<std::unique_ptr<CaptureInput>> CaptureInput::open(const std::string& path,
                                                         std::chrono::milliseconds idle) {
    int fd = 0;
    bool owned = false;
    if (path != "-") {
        fd = ::_open(path.c_str(), _O_RDONLY | _O_BINARY | _O_NOINHERIT);
        if (fd < 0) {
            return make_error("cannot open " + path + ": " + std::strerror(errno));
        }
        owned = true;
    } else {
        ::_setmode(0, _O_BINARY);
    }
    struct _stat64 st {};
    if (::_fstat64(fd, &st) == 0 && (st.st_mode & _S_IFMT) == _S_IFDIR) {
        if (owned) {
            ::_close(fd);
        }
        return make_errno_error(EISDIR, "cannot read " + path);
    }
    return std::unique_ptr<CaptureInput>(
        new CaptureInput(std::make_unique<Buffer>(fd, owned, idle)));
}

std::istream& CaptureInput::stream() {
    return *stream_;
}

std::optional<std::string> CaptureInput::stopped_early() const {
    return buffer_->stopped_early();
}

}  // namespace portwatch::app
