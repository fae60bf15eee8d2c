#pragma once
// How the Windows live source reads (collect::LiveOptions::platform).

#include <cstdint>

namespace portwatch::collect {

struct PlatformOptions {
    // Ask the OWNER_MODULE tables and GetOwnerModuleFrom*Entry for the module or service
    // behind each socket (netstat -b); names come back only to an Administrator.
    bool modules = true;
    // How far back diagnose reads the System log for Tcpip events 4227 and 4231.
    std::uint32_t event_hours = 24;
    // How many processes with the most handles diagnose keeps as evidence.
    std::uint32_t top_handles = 5;
};

}  // namespace portwatch::collect
