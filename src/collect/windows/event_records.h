#pragma once
// The pure half of reading the System event log: an event as EvtRender(EvtRenderEventXml)
// renders it, into a core::TcpipEvent. No Windows header; the tests read recorded events.
//
//   <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>
//     <Provider Name='Tcpip'/><EventID Qualifiers='16384'>4227</EventID>...
//     <TimeCreated SystemTime='2026-11-30T22:04:51.5081392Z'/>...</System>...</Event>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_config.h"
#include "core/result.h"

namespace portwatch::collect::windows {

// The EvtQuery XPath for the System log: provider Tcpip, events 4227 and 4231, the last
// `hours` hours.
std::wstring tcpip_event_query(std::uint32_t hours);

// One rendered event: its id and time (UTC). An error when the XML has no EventID or no
// TimeCreated, or names another provider than Tcpip.
Result<core::TcpipEvent> parse_event_xml(std::string_view xml);

// "2026-11-30T22:04:51.5081392Z" (the fraction optional).
Result<std::chrono::system_clock::time_point> parse_system_time(std::string_view text);

// The events sorted oldest first, those outside [now - hours, now] dropped.
std::vector<core::TcpipEvent> events_in_window(std::vector<core::TcpipEvent> events,
                                               std::chrono::system_clock::time_point now,
                                               std::uint32_t hours);

}  // namespace portwatch::collect::windows
