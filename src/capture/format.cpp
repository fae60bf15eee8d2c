#include "capture/capture.h"

namespace portwatch::capture {

std::string_view format_name(Format format) {
    switch (format) {
        case Format::WindowsNetstat:
            return "netstat (Windows)";
        case Format::NetTools:
            return "netstat (Linux net-tools)";
        case Format::Ss:
            return "ss";
        case Format::ProcNet:
            return "/proc/net";
        case Format::PowerShellCsv:
            return "Get-NetTCPConnection CSV";
        case Format::PowerShellTable:
            return "Get-NetTCPConnection table";
        case Format::Tcpvcon:
            return "tcpvcon CSV";
    }
    return "unknown";
}

core::Platform format_platform(Format format) {
    switch (format) {
        case Format::NetTools:
        case Format::Ss:
        case Format::ProcNet:
            return core::Platform::Linux;
        default:
            return core::Platform::Windows;
    }
}

}  // namespace portwatch::capture
