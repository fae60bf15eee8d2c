#include "capture/line_reader.h"

#include <algorithm>
#include <cstring>

namespace portwatch::capture {

std::string_view encoding_name(Encoding encoding) {
    switch (encoding) {
        case Encoding::Utf8Bom:
            return "UTF-8 with BOM";
        case Encoding::Utf16Le:
            return "UTF-16LE";
        case Encoding::Utf16Be:
            return "UTF-16BE";
        case Encoding::Utf8:
            break;
    }
    return "UTF-8";
}

LineReader::LineReader(std::istream& in, LegacyCodePage legacy)
    : in_(in), legacy_(legacy), raw_(new char[kChunkBytes]) {}

bool LineReader::fill() {
    if (eof_) {
        return false;
    }
    if (bytes_read_ >= byte_limit_) {
        limited_ = true;
        eof_ = true;
        return false;
    }
    in_.read(raw_.get(), static_cast<std::streamsize>(kChunkBytes));
    auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) {
        read_failed_ = true;
    }
    if (got < kChunkBytes) {
        eof_ = true;
    }
    bytes_read_ += got;
    std::string_view raw(raw_.get(), got);
    if (!started_ && got > 0) {
        started_ = true;
        auto b = [&](std::size_t i) { return static_cast<unsigned char>(raw[i]); };
        if (got >= 3 && b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) {
            encoding_ = Encoding::Utf8Bom;
            raw.remove_prefix(3);
        } else if (got >= 2 && b(0) == 0xFF && b(1) == 0xFE) {
            encoding_ = Encoding::Utf16Le;
            raw.remove_prefix(2);
        } else if (got >= 2 && b(0) == 0xFE && b(1) == 0xFF) {
            encoding_ = Encoding::Utf16Be;
            raw.remove_prefix(2);
        } else if (got >= 4 && b(0) != 0 && b(1) == 0 && b(2) != 0 && b(3) == 0) {
            encoding_ = Encoding::Utf16Le;
        } else if (got >= 4 && b(0) == 0 && b(1) != 0 && b(2) == 0 && b(3) != 0) {
            encoding_ = Encoding::Utf16Be;
        }
    }
    decode(raw);
    return got > 0 || !carry_.empty();
}

void LineReader::decode(std::string_view raw) {
    if (encoding_ == Encoding::Utf8 || encoding_ == Encoding::Utf8Bom) {
        buffer_.append(raw);
        return;
    }
    const bool le = encoding_ == Encoding::Utf16Le;
    auto unit_at = [le](const char* p) -> char16_t {
        auto lo = static_cast<unsigned char>(p[le ? 0 : 1]);
        auto hi = static_cast<unsigned char>(p[le ? 1 : 0]);
        return static_cast<char16_t>(lo | (hi << 8));
    };
    auto emit = [this](char16_t unit) {
        if (high_surrogate_ != 0) {
            if (unit >= 0xDC00 && unit <= 0xDFFF) {
                char32_t cp = 0x10000 + ((static_cast<char32_t>(high_surrogate_) - 0xD800) << 10) +
                              (unit - 0xDC00);
                high_surrogate_ = 0;
                append_utf8(cp, buffer_);
                return;
            }
            high_surrogate_ = 0;
            append_utf8(0xFFFD, buffer_);
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            high_surrogate_ = unit;
        } else if (unit < 0x80) {
            buffer_ += static_cast<char>(unit);
        } else {
            append_utf8(unit, buffer_);  // a lone low surrogate becomes U+FFFD
        }
    };
    if (!carry_.empty() && !raw.empty()) {
        carry_ += raw.front();
        raw.remove_prefix(1);
        emit(unit_at(carry_.data()));
        carry_.clear();
    }
    std::size_t pairs = raw.size() / 2;
    for (std::size_t i = 0; i < pairs; ++i) {
        emit(unit_at(raw.data() + 2 * i));
    }
    if (raw.size() % 2 != 0) {
        carry_.assign(1, raw.back());
    }
    if (eof_ && !carry_.empty()) {  // a truncated file: half a code unit
        carry_.clear();
        append_utf8(0xFFFD, buffer_);
    }
}

std::optional<Line> LineReader::next() {
    Line line;
    bool skipping = false;  // dropping the tail of an overlong line
    std::size_t scan_from = pos_;
    for (;;) {
        auto nl = buffer_.find('\n', scan_from);
        if (nl != std::string::npos) {
            if (skipping) {
                pos_ = nl + 1;
                break;
            }
            std::size_t end = nl;
            while (end > pos_ && buffer_[end - 1] == '\r') {
                --end;
            }
            line.text = std::string_view(buffer_).substr(pos_, end - pos_);
            pos_ = nl + 1;
            break;
        }
        std::size_t pending = buffer_.size() - pos_;
        if (!skipping && pending > kMaxLineBytes) {
            // Return the start of the line now; its tail is skipped on the following calls.
            scratch_.assign(buffer_, pos_, kMaxLineBytes);
            line.truncated = true;
            skipping = true;
            buffer_.clear();
            pos_ = 0;
            scan_from = 0;
        } else if (skipping) {
            buffer_.clear();
            pos_ = 0;
            scan_from = 0;
        } else {
            if (pos_ > 0) {
                buffer_.erase(0, pos_);
                pos_ = 0;
            }
            scan_from = buffer_.size();
        }
        if (!fill()) {
            if (skipping) {
                break;
            }
            if (buffer_.size() == pos_) {
                return std::nullopt;
            }
            std::size_t end = buffer_.size();
            while (end > pos_ && buffer_[end - 1] == '\r') {
                --end;
            }
            line.text = std::string_view(buffer_).substr(pos_, end - pos_);
            pos_ = buffer_.size();
            break;
        }
    }
    if (line.truncated) {
        line.text = scratch_;
    }
    line.number = ++line_number_;
    bool ascii = std::all_of(line.text.begin(), line.text.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii && !is_utf8(line.text)) {
        std::string converted;
        append_legacy_as_utf8(line.text, legacy_, converted);
        scratch_ = std::move(converted);
        line.text = scratch_;
        line.transcoded = true;
        ++transcoded_lines_;
    }
    return line;
}

}  // namespace portwatch::capture
