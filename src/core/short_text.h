#pragma once
// Text that is nearly always empty, in 8 bytes instead of std::string's 32: an endpoint's
// printed host name and zone, which only a few saved captures have, in every socket of every
// snapshot (two endpoints each; at 100k-300k sockets the difference is tens of MB, and pages
// a live snapshot has to fault in).

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace portwatch::core {

class ShortText {
  public:
    ShortText() = default;
    explicit ShortText(std::string_view text) { *this = text; }
    ShortText(const char* text) { *this = std::string_view(text); }  // NOLINT: as std::string
    ShortText(const ShortText& other) { *this = other.view(); }
    ShortText(ShortText&&) noexcept = default;
    ShortText& operator=(const ShortText& other) {
        if (this != &other) {
            *this = other.view();
        }
        return *this;
    }
    ShortText& operator=(ShortText&&) noexcept = default;
    ShortText& operator=(std::string_view text) {
        if (text.empty()) {
            text_.reset();
        } else if (text_) {
            text_->assign(text);
        } else {
            text_ = std::make_unique<std::string>(text);
        }
        return *this;
    }
    ShortText& operator=(const std::string& text) { return *this = std::string_view(text); }
    ShortText& operator=(const char* text) { return *this = std::string_view(text); }

    bool empty() const { return !text_; }
    std::size_t size() const { return text_ ? text_->size() : 0; }
    void clear() { text_.reset(); }
    const std::string& str() const {
        static const std::string kEmpty;
        return text_ ? *text_ : kEmpty;
    }
    std::string_view view() const { return str(); }
    operator std::string_view() const { return str(); }

    friend bool operator==(const ShortText& a, const ShortText& b) { return a.view() == b.view(); }
    friend bool operator==(const ShortText& a, std::string_view b) { return a.view() == b; }
    friend bool operator==(const ShortText& a, const char* b) { return a.view() == b; }
    friend std::ostream& operator<<(std::ostream& out, const ShortText& t) {
        return out << t.str();
    }

  private:
    std::unique_ptr<std::string> text_;  // null when empty
};

}  // namespace portwatch::core
