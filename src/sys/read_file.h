#pragma once

#include <optional>
#include <string>

namespace portwatch::sys {

// The whole of a (usually /proc) file, or nullopt when it cannot be opened or read. /proc
// files report size 0, so this reads until EOF.
std::optional<std::string> read_file(const std::string& path);

}  // namespace portwatch::sys
