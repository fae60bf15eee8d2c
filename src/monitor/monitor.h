#pragma once
// The monitor: an event source (eBPF or poll) for what happens between samples, a live
// snapshot + diagnose of the watched scope every interval for the pools, both folded into one
// MonitorState; per-minute rollups, crossings and events go to a HistoryStore when one is
// given; alerts when a pool's forecast falls under a threshold. Time comes from the injected
// Clock, so tests drive it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

#include "analyze/severity.h"
#include "collect/event_source.h"
#include "collect/live_source.h"
#include "core/clock.h"
#include "core/result.h"
#include "monitor/state.h"
#include "store/history_store.h"

namespace portwatch::monitor {

struct MonitorOptions {
    collect::LiveOptions live;  // the scope watched and how it is read
    collect::EventSourceKind source = collect::EventSourceKind::Auto;
    std::chrono::milliseconds interval{1000};  // between samples (snapshot + diagnose)
    analyze::Thresholds thresholds;
    std::chrono::seconds alert_below{3600};  // alert when a pool runs dry sooner than this
    std::string on_alert;                    // command run with the finding as JSON on stdin
    std::size_t recent = 60;                 // samples kept per pool and process (sparklines)
};

class Monitor {
  public:
    // Opens the event source and takes the first sample. `history` may be null (top without a
    // database); `log` gets the monitor's lines (source chosen, alerts, store trouble).
    static Result<std::unique_ptr<Monitor>> create(const MonitorOptions& options,
                                                   const core::Clock& clock,
                                                   store::HistoryStore* history, std::ostream& log);
    virtual ~Monitor() = default;
    // Waits for events until the next sample is due (at most one interval), then takes it.
    // An error means the event source broke; store trouble is a warning in the state.
    virtual Result<void> step() = 0;
    virtual const MonitorState& state() const = 0;
};

}  // namespace portwatch::monitor
