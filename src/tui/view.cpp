#include "tui/view.h"

#include <algorithm>
#include <iterator>

namespace portwatch::tui {

std::string_view sort_key_name(SortKey key) {
    switch (key) {
        case SortKey::Ports:
            return "ports";
        case SortKey::TimeWait:
            return "time-wait";
        case SortKey::Failures:
            return "failures";
        case SortKey::Name:
            return "name";
        case SortKey::Pid:
            return "pid";
    }
    return "ports";
}

std::optional<SortKey> parse_sort_key(std::string_view text) {
    for (SortKey k : kSortKeys) {
        if (sort_key_name(k) == text) {
            return k;
        }
    }
    return std::nullopt;
}

SortKey next_sort_key(SortKey key) {
    auto* it = std::find(std::begin(kSortKeys), std::end(kSortKeys), key);
    ++it;
    return it == std::end(kSortKeys) ? kSortKeys[0] : *it;
}

namespace {

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

void pop_code_point(std::string& text) {
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
        text.pop_back();
    }
    if (!text.empty()) {
        text.pop_back();
    }
}

bool printable(int key) {
    return key >= 0x20 && key != 0x7F && key < 0x110000 && !(key >= 0x80 && key < 0xA0) &&
           !(key >= 0xD800 && key < 0xE000);
}

KeyResult filter_key(ViewSettings& v, int key) {
    switch (key) {
        case static_cast<int>(Key::Enter):
            v.editing_filter = false;
            return KeyResult::Changed;
        case static_cast<int>(Key::Escape):
            v.editing_filter = false;
            v.filter.clear();
            return KeyResult::Changed;
        case static_cast<int>(Key::Backspace):
            pop_code_point(v.filter);
            v.scroll = 0;
            return KeyResult::Changed;
        case static_cast<int>(Key::Resize):
            return KeyResult::Changed;
        default:
            if (!printable(key) || v.filter.size() >= 64) {
                return KeyResult::Ignored;
            }
            append_utf8(v.filter, static_cast<char32_t>(key));
            v.scroll = 0;
            return KeyResult::Changed;
    }
}

}  // namespace

KeyResult apply_key(ViewSettings& v, int key, const Frame& frame) {
    if (v.editing_filter) {
        return filter_key(v, key);
    }
    if (key == 'q' || key == 'Q') {
        return KeyResult::Quit;
    }
    if (v.help) {
        v.help = false;  // any key closes the help (h too: it toggles)
        return KeyResult::Changed;
    }
    const std::size_t max_scroll = frame.processes > frame.page ? frame.processes - frame.page : 0;
    auto scroll_to = [&](std::size_t s) {
        v.scroll = std::min(s, max_scroll);
        return KeyResult::Changed;
    };
    const std::size_t at = std::min(frame.scroll, max_scroll);
    switch (key) {
        case 'p':
        case ' ':
            v.paused = !v.paused;
            return KeyResult::Changed;
        case 's':
        case static_cast<int>(Key::F6):
            v.sort = next_sort_key(v.sort);
            v.scroll = 0;
            return KeyResult::Changed;
        case '/':
            v.editing_filter = true;
            return KeyResult::Changed;
        case 'h':
        case '?':
        case static_cast<int>(Key::F1):
            v.help = true;
            return KeyResult::Changed;
        case static_cast<int>(Key::Escape):
            if (v.filter.empty()) {
                return KeyResult::Ignored;
            }
            v.filter.clear();
            v.scroll = 0;
            return KeyResult::Changed;
        case static_cast<int>(Key::Up):
            return scroll_to(at > 0 ? at - 1 : 0);
        case static_cast<int>(Key::Down):
            return scroll_to(at + 1);
        case static_cast<int>(Key::PageUp):
            return scroll_to(at > frame.page ? at - frame.page : 0);
        case static_cast<int>(Key::PageDown):
            return scroll_to(at + frame.page);
        case static_cast<int>(Key::Home):
            return scroll_to(0);
        case static_cast<int>(Key::End):
            return scroll_to(max_scroll);
        case static_cast<int>(Key::Resize):
            return KeyResult::Changed;
        default:
            return KeyResult::Ignored;
    }
}

}  // namespace portwatch::tui
