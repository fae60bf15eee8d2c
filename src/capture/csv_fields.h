#pragma once
// Splits one CSV record (RFC 4180 quoting, as PowerShell's Export-Csv and tcpvcon -c write
// it) into at most N fields without allocating. A quoted field is returned without its
// quotes; a doubled quote inside stays doubled (no field portwatch reads contains one).

#include <array>
#include <cstddef>
#include <string_view>

namespace portwatch::capture {

template <std::size_t N>
struct CsvFields {
    std::array<std::string_view, N> at{};
    std::size_t size = 0;
    std::size_t total = 0;
    bool malformed = false;  // an unterminated quote
};

template <std::size_t N>
CsvFields<N> split_csv(std::string_view line) {
    CsvFields<N> f;
    std::size_t i = 0;
    const std::size_t n = line.size();
    for (;;) {
        std::string_view field;
        if (i < n && line[i] == '"') {
            std::size_t start = ++i;
            for (;;) {
                if (i >= n) {
                    f.malformed = true;
                    return f;
                }
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                ++i;
            }
            field = line.substr(start, i - start);
            ++i;  // closing quote
            if (i < n && line[i] != ',') {
                f.malformed = true;
                return f;
            }
        } else {
            std::size_t start = i;
            while (i < n && line[i] != ',') {
                ++i;
            }
            field = line.substr(start, i - start);
        }
        if (f.size < N) {
            f.at[f.size++] = field;
        }
        ++f.total;
        if (i >= n) {
            break;
        }
        ++i;  // the comma
    }
    return f;
}

}  // namespace portwatch::capture
