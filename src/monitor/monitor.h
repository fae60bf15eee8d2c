#pragma once
// The monitor: an event source (eBPF or poll) for what happens between samples, a live
// snapshot + diagnose of the watched scope every interval for the pools, both folded into one
// MonitorState; per-minute rollups, crossings and events go to a HistoryStore when one is
// given; alerts when a pool's forecast falls under a threshold. Time comes from the injected
// Clock, so tests drive it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "analyze/forecast.h"
#include "analyze/severity.h"
#include "collect/event_source.h"
#include "collect/live_source.h"
#include "core/clock.h"
#include "core/result.h"
#include "live/live_diagnosis.h"
#include "monitor/alert.h"
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

    // The alert's JSON for `on_alert` (written above this layer: app/monitor_command.cpp
    // through render::JsonWriter). Required when `on_alert` is set.
    std::function<std::string(const Alert&)> alert_json;
    std::chrono::milliseconds alert_timeout{10000};  // an --on-alert command is killed after
    // Text from the system (process names) on the log: the caller's terminal-safe escaping
    // (render::terminal_safe); unset: bytes outside printable ASCII as \xNN.
    std::function<std::string(std::string_view)> safe_text;
    std::string label;  // the scope in reports and on the log ("" for the caller's own)
    std::string version = "portwatch";  // for the store's run record
    analyze::ForecastOptions forecast;
    store::Retention retention;  // applied to the store once an hour
};

// What the monitor reads, replaceable in tests: the event source, and the sample of the scope
// taken every interval (unset: live::sample_scope of MonitorOptions::live).
struct MonitorInputs {
    collect::OpenedSource source;
    std::function<live::ScopeSample()> sample;
};

class Monitor {
  public:
    // Opens the event source and takes the first sample. `history` may be null (top without a
    // database); `log` gets the monitor's lines (source chosen, alerts, store trouble).
    static Result<std::unique_ptr<Monitor>> create(const MonitorOptions& options,
                                                   const core::Clock& clock,
                                                   store::HistoryStore* history, std::ostream& log);
    // The same with the inputs given (tests: a scripted source and scripted samples).
    static Result<std::unique_ptr<Monitor>> create(const MonitorOptions& options,
                                                   const core::Clock& clock,
                                                   store::HistoryStore* history, std::ostream& log,
                                                   MonitorInputs inputs);
    virtual ~Monitor() = default;
    // Waits for events until the next sample is due (at most one interval), then takes it.
    // An error means the event source broke; store trouble is a warning in the state.
    virtual Result<void> step() = 0;
    virtual const MonitorState& state() const = 0;
    // From any thread: a step() under way returns within about 100 ms without a sample (a
    // sample already being taken is finished first), and so does every later one. For
    // callers that stop (top's q) without waiting out the interval.
    virtual void interrupt() = 0;
};

}  // namespace portwatch::monitor
