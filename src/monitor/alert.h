#pragma once
// What the monitor says when a pool is about to run dry, and the `--on-alert` command it runs
// with that finding on standard input. The JSON of an alert is written above this layer (the
// app, through render::JsonWriter) and handed in as MonitorOptions::alert_json: the monitor
// only decides when to alert and runs the command.

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analyze/severity.h"
#include "core/clock.h"
#include "sys/shell_child.h"

namespace portwatch::monitor {

enum class AlertKind : std::uint8_t {
    Forecast,  // the pool runs dry sooner than MonitorOptions::alert_below
    Crossing,  // the pool became CRITICAL or EXHAUSTED
};

struct AlertCulprit {
    std::int32_t pid = 0;
    std::string name;
    std::uint32_t sockets = 0;
};

struct Alert {
    core::TimePoint at;
    AlertKind kind = AlertKind::Forecast;
    std::string pool;  // as the report prints it
    std::string pool_kind;
    analyze::Severity severity = analyze::Severity::Ok;
    analyze::Severity previous = analyze::Severity::Ok;  // Crossing: the severity before
    std::uint32_t size = 0, used = 0, free = 0;
    double utilisation = 0;
    double used_per_minute = 0;
    std::optional<double> seconds_left;
    std::string mechanism;  // the finding on the pool ("time-wait-churn"), if there is one
    std::string summary;    // the report's summary sentence
    std::vector<AlertCulprit> culprits;  // the pool's biggest owners
};

std::string_view alert_kind_name(AlertKind kind);  // "forecast", "crossing"

// Runs the `--on-alert` command through /bin/sh -c, the alert's JSON on its standard input
// (its standard output goes to our standard error), in a process group of its own. Never
// blocks the caller: the JSON is written to a pipe without waiting, each command may run for
// `timeout` before its group is killed, children are reaped by reap() (called every step) and
// by the destructor, so none is left a zombie. At most `max_running` at once; more are skipped
// with a line on the log.
class AlertRunner {
  public:
    AlertRunner(std::string command, std::chrono::milliseconds timeout, std::size_t max_running = 4)
        : command_(std::move(command)), timeout_(timeout), max_running_(max_running) {}
    AlertRunner(const AlertRunner&) = delete;
    AlertRunner& operator=(const AlertRunner&) = delete;
    ~AlertRunner() = default;  // each ShellChild kills and reaps what still runs

    bool enabled() const { return !command_.empty(); }
    void run(const std::string& json, std::ostream& log);
    // Children that ended are reaped (a failure said on the log); those past the timeout are
    // killed. Returns how many are still running.
    std::size_t reap(std::ostream& log);

  private:
    struct Child {
        sys::ShellChild process;
        std::chrono::steady_clock::time_point started;
        bool killed = false;
    };
    std::string command_;
    std::chrono::milliseconds timeout_;
    std::size_t max_running_;
    std::vector<Child> children_;
};

}  // namespace portwatch::monitor
