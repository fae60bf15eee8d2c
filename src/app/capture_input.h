#pragma once
// What `portwatch analyze` reads a capture from: a file, standard input, a FIFO, a device.
//
// Contract:
// 1. Nothing blocks without a bound. The path is opened with O_NONBLOCK (opening a FIFO
//    without a writer would otherwise wait forever), and every read first waits in poll() for
//    at most the idle timeout. A writer that never writes, or writes and never closes, ends in
//    stalled() instead of a hang. A regular file is always ready, so it never stalls.
// 2. End of input is end of file (read() returning 0, or the last writer of a FIFO closing).
// 3. Endless input (/dev/zero, /dev/urandom) is not this class's business: the capture reader
//    stops after CaptureOptions::max_unrecognised_bytes without a socket row.

#include <chrono>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace portwatch::app {

class CaptureInput {
  public:
    // `path` "-" is standard input (file descriptor 0, not closed). An idle timeout of zero
    // waits forever.
    static Result<std::unique_ptr<CaptureInput>> open(const std::string& path,
                                                      std::chrono::milliseconds idle_timeout);
    ~CaptureInput();
    CaptureInput(const CaptureInput&) = delete;
    CaptureInput& operator=(const CaptureInput&) = delete;

    std::istream& stream();
    // Why reading stopped early, if it did: "no input for 60 s after 1234 bytes and the writer
    // has not closed it", or a read error. Empty when the input simply ended.
    std::optional<std::string> stopped_early() const;

  private:
    class Buffer;
    explicit CaptureInput(std::unique_ptr<Buffer> buffer);
    std::unique_ptr<Buffer> buffer_;
    std::unique_ptr<std::istream> stream_;
};

}  // namespace portwatch::app
