#pragma once
// Streams a capture file as UTF-8 lines, whatever encoding it was saved in, in bounded memory.
//
// Contract:
// 1. The encoding is decided from the first bytes: a UTF-8 BOM, a UTF-16LE/BE BOM (PowerShell
//    5's `>`), or UTF-16 without a BOM when every other byte of the first pair is NUL.
//    Everything else is read as UTF-8.
// 2. A line of the UTF-8 stream that is not well-formed UTF-8 was written in a legacy code page
//    (netstat writes the console's OEM page): it is transcoded from `legacy` line by line, so a
//    file that mixes both (a UTF-8 header appended to by `netstat >>`) still reads right.
// 3. Lines end at LF; trailing CRs are dropped (CRLF, and the CRCRLF of a twice-converted file).
// 4. Memory stays bounded: input is read in chunks of kChunkBytes, and a line longer than
//    kMaxLineBytes is returned truncated to that length with `truncated` set; the rest of it
//    is skipped. A file without any newline therefore costs at most about kChunkBytes +
//    kMaxLineBytes.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "capture/code_page.h"

namespace portwatch::capture {

enum class Encoding : std::uint8_t { Utf8, Utf8Bom, Utf16Le, Utf16Be };

std::string_view encoding_name(Encoding encoding);

struct Line {
    std::string_view text;     // valid until the next call of next()
    std::uint64_t number = 0;  // 1-based
    bool truncated = false;    // longer than kMaxLineBytes; text holds the start only
    bool transcoded = false;   // was not UTF-8; read in the legacy code page
};

class LineReader {
  public:
    static constexpr std::size_t kChunkBytes = 1 << 20;
    static constexpr std::size_t kMaxLineBytes = 1 << 16;

    explicit LineReader(std::istream& in, LegacyCodePage legacy = LegacyCodePage::Cp850);

    std::optional<Line> next();

    Encoding encoding() const { return encoding_; }
    bool read_failed() const { return read_failed_; }  // a stream error, not end of file
    std::uint64_t bytes_read() const { return bytes_read_; }
    std::uint64_t transcoded_lines() const { return transcoded_lines_; }
    // Reading stops (next() ends as at end of file, limited() is set) once `bytes` bytes have
    // been read: an endless device or a line that never ends cannot keep the reader going.
    void set_byte_limit(std::uint64_t bytes) { byte_limit_ = bytes; }
    bool limited() const { return limited_; }

  private:
    bool fill();  // appends decoded text to buffer_; false at end of input
    void decode(std::string_view raw);

    std::istream& in_;
    LegacyCodePage legacy_;
    Encoding encoding_ = Encoding::Utf8;
    bool started_ = false;
    bool eof_ = false;
    bool read_failed_ = false;
    std::unique_ptr<char[]> raw_;  // one chunk of input bytes (not zero-filled)
    std::string carry_;            // an odd UTF-16 byte left from the previous chunk
    char16_t high_surrogate_ = 0;
    std::string buffer_;  // decoded UTF-8, lines not yet returned start at pos_
    std::size_t pos_ = 0;
    std::string scratch_;  // a transcoded line
    std::uint64_t line_number_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t transcoded_lines_ = 0;
    std::uint64_t byte_limit_ = UINT64_MAX;
    bool limited_ = false;
};

}  // namespace portwatch::capture
