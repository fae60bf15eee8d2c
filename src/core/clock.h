#pragma once
// Where "now" comes from. Code whose result depends on the time (a snapshot's stamp, a
// capture read from standard input) takes a Clock, so tests fix the time.

#include <chrono>

namespace portwatch::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// The wall clock.
const Clock& system_clock();

// A clock that says what it was told.
class FixedClock final : public Clock {
  public:
    explicit FixedClock(TimePoint t) : now_(t) {}
    TimePoint now() const override { return now_; }
    void set(TimePoint t) { now_ = t; }

  private:
    TimePoint now_;
};

}  // namespace portwatch::core
