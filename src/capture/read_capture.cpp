#include <sstream>

#include "capture/capture.h"
#include "capture/capture_parser.h"
#include "capture/line_reader.h"
#include "core/plural.h"

namespace portwatch::capture {

namespace {

std::string size_text(std::uint64_t bytes) {
    if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) {
        return std::to_string(bytes >> 20) + " MiB";
    }
    if (bytes >= (1ull << 10) && bytes % (1ull << 10) == 0) {
        return std::to_string(bytes >> 10) + " KiB";
    }
    return core::plural(bytes, "byte", "bytes");
}

}  // namespace

Result<Capture> read_capture(std::istream& in, std::string name, const CaptureOptions& options,
                             const SnapshotSink& sink) {
    LineReader reader(in, options.code_page);
    CaptureParser parser(name, options, sink);
    // Bytes and lines read when the last socket row (or netsh range) was seen; the reader
    // stops max_unrecognised_bytes after that.
    std::uint64_t progress = 0, progress_bytes = 0, progress_line = 0, last_line = 0;
    auto limit = [&](std::uint64_t from) {
        reader.set_byte_limit(options.max_unrecognised_bytes > UINT64_MAX - from
                                  ? UINT64_MAX
                                  : from + options.max_unrecognised_bytes);
    };
    limit(0);
    while (auto line = reader.next()) {
        if (auto ok = parser.feed(*line); !ok) {
            return std::unexpected(ok.error());
        }
        last_line = line->number;
        if (parser.progress() != progress) {
            progress = parser.progress();
            progress_bytes = reader.bytes_read();
            progress_line = line->number;
            limit(progress_bytes);
        }
    }
    if (reader.limited()) {
        std::uint64_t lines = std::max(last_line, progress_line);
        std::string where =
            progress == 0
                ? "no socket row in its first " + size_text(reader.bytes_read()) + " (" +
                      core::plural(lines, "line", "lines") + (lines == 0 ? ", none ended" : "") +
                      ")"
                : "no socket row in " + size_text(reader.bytes_read() - progress_bytes) +
                      " after the one at line " + std::to_string(progress_line) +
                      (lines > progress_line ? " (lines " + std::to_string(progress_line + 1) +
                                                   "-" + std::to_string(lines) + ")"
                                             : "");
        std::string first = parser.first_unrecognised();
        return make_error(
            name + ": " + where + (first.empty() ? "" : ", first unrecognised " + first) +
            "; stopped reading after --max-unrecognised " +
            size_text(options.max_unrecognised_bytes) +
            ". Expected the output of netstat -ano[b][q] (Windows), netstat -tanp or ss -tanp "
            "(Linux), /proc/net/tcp, Get-NetTCPConnection, tcpvcon -a -c -n or netsh int ipv4 "
            "show dynamicport tcp; a device or pipe that never ends is not a capture");
    }
    if (reader.read_failed()) {
        return make_error(name + ": read error after " + std::to_string(reader.bytes_read()) +
                          " bytes");
    }
    return parser.finish(reader.encoding(), reader.bytes_read(), reader.transcoded_lines());
}

Result<Capture> read_capture(std::istream& in, std::string name, const CaptureOptions& options) {
    return read_capture(in, std::move(name), options, SnapshotSink{});
}

Result<Capture> parse_capture_text(std::string_view text, std::string name,
                                   const CaptureOptions& options) {
    std::istringstream in{std::string(text)};
    return read_capture(in, std::move(name), options);
}

}  // namespace portwatch::capture
