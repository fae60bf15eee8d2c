// PowerShell Export-Csv / table rows and tcpvcon CSV. The first line is taken as the CSV
// header, as a file would have it.
#include "capture/powershell_export.h"
#include "capture/tcpvcon_csv.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwatch::capture;
    std::optional<PowerShellColumns> columns;
    bool first = true;
    fuzz::for_each_line(data, size, [&](std::string_view line) {
        if (first) {
            columns = parse_powershell_csv_header(line);
            first = false;
        }
        Row row;
        if (columns) {
            parse_powershell_csv_row(line, *columns, row);
        }
        bool udp = false;
        is_powershell_table_header(line, udp);
        parse_powershell_table_row(line, udp, row);
        parse_tcpvcon_row(line, row);
    });
    return 0;
}
