#include "render/html_escape.h"

#include "render/utf8.h"

namespace portwatch::render {

namespace {

void append_entity(std::string& out, char c) {
    switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
    }
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string safe = terminal_safe(text);
    std::string out;
    out.reserve(safe.size() + safe.size() / 8);
    for (char c : safe) {
        append_entity(out, c);
    }
    return out;
}

std::string markdown_escape(std::string_view text) {
    constexpr std::string_view kActive = "\\`*_[]#|~";
    std::string safe = terminal_safe(text);
    std::string out;
    out.reserve(safe.size() + safe.size() / 4);
    for (char c : safe) {
        if (kActive.find(c) != std::string_view::npos) {
            out += '\\';
            out += c;
        } else {
            append_entity(out, c);
        }
    }
    return out;
}

}  // namespace portwatch::render
