#include "capture/windows_netstat.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwatch::capture;
    fuzz::for_each_line(data, size, [](std::string_view line) {
        Row row;
        parse_windows_netstat_row(line, row);
        if (!line.empty() && (line.front() == ' ' || line.front() == '[')) {
            classify_owner_line(line);
        }
        is_elevation_refusal(line);
    });
    return 0;
}
