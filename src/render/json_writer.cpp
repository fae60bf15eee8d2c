#include "render/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "render/utf8.h"

namespace portwatch::render {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        // Runs of plain bytes (nearly everything: addresses, names, keys) are copied at once.
        std::size_t run = i;
        while (run < text.size() && json_plain(static_cast<unsigned char>(text[run]))) {
            ++run;
        }
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size()) {
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                default:
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
            }
            ++i;
            continue;
        }
        std::size_t n = utf8_sequence_length(text.substr(i));
        if (n == 0) {
            out += "\\ufffd";
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    out += '"';
}

void JsonWriter::put(std::string_view text) {
    while (!text.empty()) {
        std::size_t n = std::min(text.size(), kMaxToken);
        std::memcpy(room(n), text.data(), n);
        size_ += n;
        text.remove_prefix(n);
    }
}

void JsonWriter::escaped_string(std::string_view text) {
    std::string escaped;
    append_json_string(escaped, text);
    put(escaped);
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    put('{');
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    put('}');
    has_items_.pop_back();
    maybe_flush();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    put('[');
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    put(']');
    has_items_.pop_back();
    maybe_flush();
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
    separate();
    char* p = room(24);
    size_ += static_cast<std::size_t>(std::to_chars(p, p + 24, number).ptr - p);
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
    separate();
    char* p = room(24);
    size_ += static_cast<std::size_t>(std::to_chars(p, p + 24, number).ptr - p);
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    if (!std::isfinite(number)) {
        return null();
    }
    separate();
    char* p = room(32);
    size_ += static_cast<std::size_t>(std::to_chars(p, p + 32, number).ptr - p);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    put(flag ? std::string_view("true") : std::string_view("false"));
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    put("null");
    return *this;
}

JsonWriter& JsonWriter::newline() {
    put('\n');
    return *this;
}

void JsonWriter::flush() {
    if (size_ > 0) {
        out_.write(buffer_.get(), static_cast<std::streamsize>(size_));
        size_ = 0;
    }
}

}  // namespace portwatch::render
