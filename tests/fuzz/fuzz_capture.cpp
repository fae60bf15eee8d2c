// The whole pipeline: decoding (BOM, UTF-16, code pages), format recognition, owner blocks,
// snapshots, warnings. Invariants: never a crash; every socket row is counted once.
#include <cstdlib>

#include "capture/capture.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    portwatch::capture::CaptureOptions options;
    options.max_sockets = 5000;
    auto c = portwatch::capture::parse_capture_text(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", options);
    if (c) {
        std::size_t sockets = 0;
        for (const auto& s : c->snapshots) {
            sockets += s.snapshot.sockets.size();
            for (std::size_t i = 1; i < s.snapshot.processes.size(); ++i) {
                if (s.snapshot.processes[i - 1].pid >= s.snapshot.processes[i].pid) {
                    std::abort();  // processes must be sorted and unique
                }
            }
        }
        if (sockets != c->stats.socket_rows) {
            std::abort();
        }
    }
    return 0;
}
