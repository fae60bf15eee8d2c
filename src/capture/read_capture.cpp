#include <sstream>

#include "capture/capture.h"
#include "capture/capture_parser.h"
#include "capture/line_reader.h"

namespace portwatch::capture {

Result<Capture> read_capture(std::istream& in, std::string name, const CaptureOptions& options) {
    LineReader reader(in, options.code_page);
    CaptureParser parser(name, options);
    while (auto line = reader.next()) {
        if (auto ok = parser.feed(*line); !ok) {
            return std::unexpected(ok.error());
        }
    }
    if (reader.read_failed()) {
        return make_error(name + ": read error after " + std::to_string(reader.bytes_read()) +
                          " bytes");
    }
    return parser.finish(reader.encoding(), reader.bytes_read(), reader.transcoded_lines());
}

Result<Capture> parse_capture_text(std::string_view text, std::string name,
                                   const CaptureOptions& options) {
    std::istringstream in{std::string(text)};
    return read_capture(in, std::move(name), options);
}

}  // namespace portwatch::capture
