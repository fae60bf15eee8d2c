#pragma once
// SIGINT and SIGTERM blocked while a command runs, taken with sigtimedwait between its steps:
// no handler, no global flag; the mask is restored on every path. Made before a command starts
// threads, it blocks them in those too (the mask is inherited), so the thread that waits gets
// them (the monitor's and the report's sampling loops, the exporter's main thread).

#include <signal.h>

#include <cerrno>
#include <chrono>

namespace portwatch::app {

class StopSignals {
  public:
    StopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &old_);
    }
    ~StopSignals() {
        // Signals that came after the last check stay pending and would act when unblocked:
        // take them first.
        while (pending() != 0) {
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // The stop signal that arrived, or 0.
    int pending() { return wait(std::chrono::milliseconds(0)); }
    // Waits up to `timeout` for a stop signal: the signal, or 0 when none came.
    int wait(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
                deadline - std::chrono::steady_clock::now());
            const auto ns = std::max<std::int64_t>(0, left.count());
            timespec t{static_cast<time_t>(ns / 1'000'000'000),
                       static_cast<long>(ns % 1'000'000'000)};
            int sig = sigtimedwait(&set_, nullptr, &t);
            if (sig > 0) {
                return sig;
            }
            if (errno != EINTR || ns == 0) {
                return 0;  // EAGAIN: the time is up
            }
        }
    }

  private:
    sigset_t set_, old_;
};

}  // namespace portwatch::app
