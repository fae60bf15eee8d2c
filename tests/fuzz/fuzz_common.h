#pragma once
// Shared by the libFuzzer targets: every input is split into lines the way LineReader would
// see them, so the row parsers get the shapes they meet in real files.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace portwatch::capture::fuzz {

template <typename F>
void for_each_line(const std::uint8_t* data, std::size_t size, F&& f) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    while (!text.empty()) {
        auto nl = text.find('\n');
        f(text.substr(0, nl));
        if (nl == std::string_view::npos) {
            break;
        }
        text.remove_prefix(nl + 1);
    }
}

}  // namespace portwatch::capture::fuzz
