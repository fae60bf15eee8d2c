#pragma once
// A streaming JSON writer: snapshots of 100k sockets are written element by element with
// bounded memory, never built as a tree. Strings are escaped per RFC 8259; bytes that are not
// valid UTF-8 become U+FFFD, so a hostile process name always yields valid JSON.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace portwatch::render {

// Bytes that go into a JSON string unchanged: printable ASCII other than '"' and '\\'.
constexpr bool json_plain(unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

class JsonWriter {
  public:
    explicit JsonWriter(std::ostream& out) : out_(out), buffer_(new char[kCapacity]) {}
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;
    ~JsonWriter() { flush(); }

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name) {
        separate();
        string(name);
        put(':');
        after_key_ = true;
        return *this;
    }
    JsonWriter& value(std::string_view text) {
        separate();
        string(text);
        return *this;
    }
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(std::int32_t number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(std::uint32_t number) { return value(static_cast<std::uint64_t>(number)); }
    JsonWriter& value(std::uint16_t number) { return value(static_cast<std::uint64_t>(number)); }
    JsonWriter& value(double number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    // A value another JsonWriter already wrote (a report rendered when it was made and kept
    // on disk until the document around it can be written); copied as it is.
    JsonWriter& written_value(std::string_view json) {
        separate();
        put(json);
        return *this;
    }
    // Whitespace between tokens, for one-element-per-line output.
    JsonWriter& newline();
    void flush();

  private:
    // Output collects in a fixed buffer, written out when a container closes past kFlushAt.
    // Tokens go in through room(), which guarantees space without per-byte checks, and the
    // per-token steps are inline: 100k sockets make 30 MB of JSON, and this is the loop that
    // writes it.
    static constexpr std::size_t kFlushAt = 64 * 1024;
    static constexpr std::size_t kCapacity = 2 * kFlushAt;
    static constexpr std::size_t kMaxToken = kFlushAt;  // longer strings are copied in pieces
    void separate() {
        if (after_key_) {
            after_key_ = false;
        } else if (!has_items_.empty()) {
            if (has_items_.back()) {
                put(',');
            }
            has_items_.back() = true;
        }
    }
    char* room(std::size_t n) {
        if (size_ + n > kCapacity) {
            flush();
        }
        return buffer_.get() + size_;
    }
    void put(char c) {
        *room(1) = c;
        ++size_;
    }
    void put(std::string_view text);
    // Plain strings (keys, states, addresses: nearly all of them) are copied straight in;
    // anything to escape takes the slow path.
    void string(std::string_view text) {
        if (text.size() <= 256) {
            char* p = room(text.size() + 2);
            *p++ = '"';
            std::size_t i = 0;
            for (; i < text.size() && json_plain(static_cast<unsigned char>(text[i])); ++i) {
                p[i] = text[i];
            }
            if (i == text.size()) {
                p[i] = '"';
                size_ += text.size() + 2;
                return;
            }
        }
        escaped_string(text);
    }
    void escaped_string(std::string_view text);
    void maybe_flush() {
        if (size_ >= kFlushAt) {
            flush();
        }
    }

    std::ostream& out_;
    std::unique_ptr<char[]> buffer_;
    std::size_t size_ = 0;
    std::vector<char> has_items_;  // per open container: 1 once it has an element
    bool after_key_ = false;
};

// Appends `text` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view text);

}  // namespace portwatch::render
