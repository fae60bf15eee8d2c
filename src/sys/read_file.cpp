#include "sys/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "sys/unique_fd.h"

namespace portwatch::sys {

std::optional<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::string out;
    std::size_t used = 0;
    out.resize(4096);
    for (;;) {
        ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        used += static_cast<std::size_t>(n);
        if (used == out.size()) {
            out.resize(out.size() * 2);
        }
    }
    out.resize(used);
    return out;
}

}  // namespace portwatch::sys
