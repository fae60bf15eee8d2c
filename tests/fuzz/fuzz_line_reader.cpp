// Decoding: BOM detection, UTF-16 (with surrogates and odd tails), legacy code pages. Every
// line handed out must be valid UTF-8 and no longer than the bound.
#include <sstream>

#include "capture/code_page.h"
#include "capture/line_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwatch::capture;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    LineReader reader(in, size % 2 ? LegacyCodePage::Cp850 : LegacyCodePage::Cp1252);
    while (auto line = reader.next()) {
        if (!is_utf8(line->text)) {
            __builtin_trap();
        }
        // A transcoded line may grow up to 3x (every byte a 3-byte UTF-8 sequence).
        if (line->text.size() > 3 * LineReader::kMaxLineBytes) {
            __builtin_trap();
        }
    }
    return 0;
}
