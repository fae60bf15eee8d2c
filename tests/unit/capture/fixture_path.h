#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "capture/capture.h"

namespace portwatch::capture::test {

inline std::string fixture(const std::string& relative) {
    return std::string(PORTWATCH_SOURCE_DIR) + "/tests/fixtures/" + relative;
}

inline Result<Capture> read_fixture(const std::string& relative, CaptureOptions options = {}) {
    std::ifstream in(fixture(relative), std::ios::binary);
    if (!in) {
        return make_error("cannot open " + fixture(relative));
    }
    return read_capture(in, relative, options);
}

inline std::size_t count_state(const core::Snapshot& s, core::TcpState state) {
    std::size_t n = 0;
    for (const auto& socket : s.sockets) {
        n += socket.state == state;
    }
    return n;
}

inline bool has_warning(const core::Snapshot& s, const std::string& needle) {
    for (const auto& w : s.warnings) {
        if (w.message.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace portwatch::capture::test
