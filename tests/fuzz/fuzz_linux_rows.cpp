// net-tools netstat and ss rows, including ss's users:((...)) lists.
#include "capture/nettools_netstat.h"
#include "capture/ss_output.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwatch::capture;
    fuzz::for_each_line(data, size, [](std::string_view line) {
        Row row;
        parse_nettools_row(line, row);
        parse_ss_row(line, false, row);
        parse_ss_row(line, true, row);
        Row users;
        parse_ss_users(line, users);
    });
    return 0;
}
