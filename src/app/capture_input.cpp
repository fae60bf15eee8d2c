#include "app/capture_input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <streambuf>

namespace portwatch::app {

// A streambuf over a file descriptor whose reads wait in poll() for at most the idle timeout.
class CaptureInput::Buffer : public std::streambuf {
  public:
    Buffer(int fd, bool owned, std::chrono::milliseconds idle)
        : fd_(fd), owned_(owned), idle_(idle), data_(new char[kBytes]) {}
    ~Buffer() override {
        if (owned_) {
            ::close(fd_);
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
        const int timeout = idle_.count() > 0
                                ? static_cast<int>(std::min<std::int64_t>(idle_.count(), INT32_MAX))
                                : -1;
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            int ready = ::poll(&p, 1, timeout);
            if (ready < 0 && errno == EINTR) {
                continue;
            }
            if (ready < 0) {
                return fail(std::string("poll: ") + std::strerror(errno));
            }
            if (ready == 0) {
                auto seconds = std::chrono::duration<double>(idle_).count();
                char text[32];
                std::snprintf(text, sizeof text, "%g", seconds);
                stopped_ = "no input for " + std::string(text) + " s after " +
                           std::to_string(bytes_) +
                           " bytes, and the writer has not closed it (a FIFO or pipe that "
                           "stays silent); expected end of file. --idle-timeout sets how long to "
                           "wait (0: forever)";
                return traits_type::eof();
            }
            ssize_t n = ::read(fd_, data_.get(), kBytes);
            if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
                continue;
            }
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
    }

  private:
    static constexpr std::size_t kBytes = 1 << 20;
    int_type fail(std::string why) {
        stopped_ = std::move(why);
        return traits_type::eof();
    }

    int fd_;
    bool owned_;
    std::chrono::milliseconds idle_;
    std::unique_ptr<char[]> data_;
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
        fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            return make_error("cannot open " + path + ": " + std::strerror(errno));
        }
        owned = true;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (owned) {
            ::close(fd);
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
