#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portwatch::core {

// "1 socket", "3 sockets": every count portwatch says in words.
inline std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    std::string out = std::to_string(n);
    out += ' ';
    out += n == 1 ? one : many;
    return out;
}

}  // namespace portwatch::core
