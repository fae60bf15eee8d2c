#include "render/json_writer.h"

#include <charconv>
#include <cmath>

#include "render/utf8.h"

namespace portwatch::render {

namespace {

// Bytes that go into a JSON string unchanged: printable ASCII other than '"' and '\\'.
constexpr bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        // Runs of plain bytes (nearly everything: addresses, names, keys) are copied at once.
        std::size_t run = i;
        while (run < text.size() && plain(static_cast<unsigned char>(text[run]))) {
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
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
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

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_items_.empty()) {
        if (has_items_.back()) {
            buffer_ += ',';
        }
        has_items_.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    buffer_ += '{';
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    buffer_ += '}';
    has_items_.pop_back();
    maybe_flush();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    buffer_ += '[';
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    buffer_ += ']';
    has_items_.pop_back();
    maybe_flush();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    append_json_string(buffer_, name);
    buffer_ += ':';
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    append_json_string(buffer_, text);
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
    separate();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, number);
    buffer_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
    separate();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, number);
    buffer_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    if (!std::isfinite(number)) {
        return null();
    }
    separate();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, number);
    buffer_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    buffer_ += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    buffer_ += "null";
    return *this;
}

JsonWriter& JsonWriter::newline() {
    buffer_ += '\n';
    return *this;
}

void JsonWriter::flush() {
    if (!buffer_.empty()) {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }
}

}  // namespace portwatch::render
