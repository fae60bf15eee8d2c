// collect/live_source.h on Windows, the host: the dynamic port range and excluded ranges as
// netsh prints them (read with capture's parsers), TcpTimedWaitDelay and MaxUserPort from the
// registry, the Windows version; and the evidence diagnose weighs: Tcpip events 4227/4231 in
// the System log, non-paged pool against physical memory, the processes with most handles.
#include <windows.h>
// after windows.h
#include <psapi.h>
#include <winevt.h>

#include <set>

#include "capture/netsh_dynamicport.h"
#include "capture/netsh_excluded.h"
#include "collect/live_source.h"
#include "collect/windows/event_records.h"
#include "collect/windows/memory_evidence.h"
#include "collect/windows/processes.h"
#include "collect/windows/system_text.h"
#include "collect/windows/win_handle.h"

namespace portwatch::collect {

namespace windows {
namespace {

constexpr std::chrono::seconds kNetshTimeout{15};
constexpr std::size_t kMaxEvents = 100000;
const wchar_t* const kTcpipKey = L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters";

std::wstring system32(const wchar_t* exe) {
    wchar_t dir[MAX_PATH];
    UINT n = ::GetSystemDirectoryW(dir, MAX_PATH);
    return L"\"" + std::wstring(dir, n) + L"\\" + exe + L"\"";
}

std::optional<DWORD> registry_dword(const wchar_t* value) {
    DWORD data = 0;
    DWORD size = sizeof data;
    if (::RegGetValueW(HKEY_LOCAL_MACHINE, kTcpipKey, value, RRF_RT_REG_DWORD, nullptr, &data,
                       &size) != ERROR_SUCCESS) {
        return std::nullopt;
    }
    return data;
}

// RtlGetVersion tells the truth where GetVersionEx answers per the program's manifest.
std::optional<RTL_OSVERSIONINFOW> os_version() {
    using Fn = LONG(WINAPI*)(RTL_OSVERSIONINFOW*);
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) {
        return std::nullopt;
    }
    auto fn =
        reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion")));
    RTL_OSVERSIONINFOW v{};
    v.dwOSVersionInfoSize = sizeof v;
    if (fn == nullptr || fn(&v) != 0) {
        return std::nullopt;
    }
    return v;
}

void read_range(core::HostConfig& config, std::vector<core::Warning>& warnings) {
    const std::wstring dynamic = system32(L"netsh.exe") + L" int ipv4 show dynamicport tcp";
    auto text = run_system_command(dynamic, kNetshTimeout);
    std::optional<core::PortRange> range;
    std::string why;
    if (text) {
        capture::NetshDynamicPortReader reader;
        std::string_view rest = *text;
        while (!rest.empty() && !range) {
            auto eol = rest.find('\n');
            std::string line(rest.substr(0, eol));
            rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            reader.feed(line);
            if (auto block = reader.take_block(); block && block->protocol == core::Protocol::Tcp) {
                if (block->range) {
                    range = *block->range;
                } else {
                    why = block->range.error().message;
                }
            }
        }
        if (!range && why.empty()) {
            auto first =
                text->substr(0, text->find_first_of("\r\n", text->find_first_not_of("\r\n ")));
            why = "its output has no range" +
                  (first.empty() ? std::string() : ": '" + first.substr(0, 120) + "'");
        }
    } else {
        why = text.error().message;
    }
    if (range) {
        config.ephemeral = range;
        config.range_source = core::RangeSource::Host;
        config.range_origin = "netsh int ipv4 show dynamicport tcp on this host";
    } else if (auto max_user_port = registry_dword(L"MaxUserPort");
               max_user_port && config.windows == core::WindowsGeneration::UpTo2003) {
        config.ephemeral = core::PortRange{1025, static_cast<std::uint16_t>(*max_user_port)};
        config.range_source = core::RangeSource::Host;
        config.range_origin = "MaxUserPort in the registry of this host";
    } else {
        warnings.push_back(
            {"the dynamic port range could not be read (netsh int ipv4 show "
             "dynamicport tcp: " +
             why + "); the Windows default is assumed"});
    }

    const std::wstring excluded =
        system32(L"netsh.exe") + L" int ipv4 show excludedportrange protocol=tcp";
    auto listing = run_system_command(excluded, kNetshTimeout);
    if (!listing) {
        warnings.push_back(
            {"excluded port ranges not read (netsh int ipv4 show "
             "excludedportrange protocol=tcp: " +
             listing.error().message + ")"});
        return;
    }
    auto ranges = capture::parse_netsh_excluded(*listing);
    if (!ranges) {
        warnings.push_back(
            {"excluded port ranges not read (netsh int ipv4 show "
             "excludedportrange protocol=tcp: " +
             ranges.error().message + ")"});
        return;
    }
    config.reserved = std::move(ranges->ranges);
}

void read_events(core::WindowsFacts& w, const core::Clock& clock) {
    const std::wstring query = tcpip_event_query(w.event_hours);
    UniqueEvt results(::EvtQuery(nullptr, L"System", query.c_str(), EvtQueryChannelPath));
    if (!results) {
        w.events_error = windows_error(::GetLastError(), "EvtQuery(System)").message;
        return;
    }
    std::vector<core::TcpipEvent> events;
    std::uint32_t unreadable = 0;
    std::vector<wchar_t> xml(8192);
    for (;;) {
        EVT_HANDLE batch[64];
        DWORD returned = 0;
        if (!::EvtNext(results.get(), 64, batch, 2000, 0, &returned)) {
            DWORD error = ::GetLastError();
            if (error != ERROR_NO_MORE_ITEMS) {
                w.events_error = windows_error(error, "EvtNext(System)").message;
                return;
            }
            break;
        }
        for (DWORD i = 0; i < returned; ++i) {
            UniqueEvt event(batch[i]);
            DWORD used = 0, properties = 0;
            if (!::EvtRender(nullptr, event.get(), EvtRenderEventXml,
                             static_cast<DWORD>(xml.size() * sizeof(wchar_t)), xml.data(), &used,
                             &properties)) {
                if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
                    ++unreadable;
                    continue;
                }
                xml.resize(used / sizeof(wchar_t) + 1);
                if (!::EvtRender(nullptr, event.get(), EvtRenderEventXml,
                                 static_cast<DWORD>(xml.size() * sizeof(wchar_t)), xml.data(),
                                 &used, &properties)) {
                    ++unreadable;
                    continue;
                }
            }
            auto parsed =
                parse_event_xml(utf8(std::wstring_view(xml.data(), used / sizeof(wchar_t))));
            if (parsed) {
                events.push_back(*parsed);
            } else {
                ++unreadable;
            }
        }
        if (events.size() >= kMaxEvents) {
            break;
        }
    }
    w.tcpip_events = events_in_window(std::move(events), clock.now(), w.event_hours);
    if (unreadable > 0) {
        w.events_error = std::to_string(unreadable) + " Tcpip events could not be read";
    }
}

}  // namespace
}  // namespace windows

Result<core::HostFacts> read_live_host_facts(const LiveOptions& options, core::HostConfig& config,
                                             std::vector<core::Warning>& warnings) {
    using namespace windows;
    core::HostFacts facts;
    core::WindowsFacts w;
    w.event_hours = options.platform.event_hours;
    config.platform = core::Platform::Windows;
    if (auto v = os_version()) {
        w.version = std::to_string(v->dwMajorVersion) + "." + std::to_string(v->dwMinorVersion) +
                    "." + std::to_string(v->dwBuildNumber);
        facts.kernel_release = "Windows " + w.version;
        config.windows = v->dwMajorVersion >= 6 ? core::WindowsGeneration::VistaPlus
                                                : core::WindowsGeneration::UpTo2003;
        config.windows_origin = "this host runs Windows " + w.version;
    }
    read_range(config, warnings);
    if (auto delay = registry_dword(L"TcpTimedWaitDelay")) {
        config.time_wait_delay = *delay;
    }

    read_events(w, *options.clock);
    if (!w.events_error.empty()) {
        warnings.push_back({"System event log: " + w.events_error +
                            (w.tcpip_events ? "" : " (Tcpip events 4227/4231 not checked)")});
    }
    PERFORMANCE_INFORMATION perf{};
    perf.cb = sizeof perf;
    if (::GetPerformanceInfo(&perf, sizeof perf)) {
        apply_performance_figures(
            {perf.KernelNonpaged, perf.PhysicalTotal, perf.PageSize, perf.HandleCount}, w);
    } else {
        warnings.push_back({windows_error(::GetLastError(), "GetPerformanceInfo").message});
    }
    if (auto table = read_processes({}, true)) {
        w.top_handles = top_handle_holders(std::move(table->handles), options.platform.top_handles);
    } else {
        warnings.push_back({"handle counts: " + table.error().message});
    }
    facts.windows = std::move(w);
    return facts;
}

}  // namespace portwatch::collect
