#pragma once
// The monitor's writes to its HistoryStore, kept while the store refuses them (a full disk, a
// locked database) and written when it accepts them again, oldest first. The monitor never
// stops watching for the store: a failure is one line on the log and a warning in the state;
// writes wait, bounded (the oldest are dropped past the bound, and counted).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "store/history_store.h"

namespace portwatch::monitor {

class StoreQueue {
  public:
    using Write = std::function<Result<void>(store::HistoryStore&)>;

    StoreQueue(store::HistoryStore* store, std::size_t max_writes, std::size_t max_events,
               std::chrono::seconds retry_after)
        : store_(store),
          max_writes_(max_writes),
          max_events_(max_events),
          retry_after_(retry_after) {}

    bool enabled() const { return store_ != nullptr; }
    // `events`: how many port events and failures the write carries (for the bound).
    void push(Write write, std::size_t events = 0);
    // Writes what waits, oldest first, until one fails; after a failure, not before
    // `retry_after` has passed (unless `now_anyway`: the monitor is stopping).
    void flush(core::TimePoint now, std::ostream& log, bool now_anyway = false);
    // "history: <why>; N writes waiting" while failing; unset when writing.
    std::optional<std::string> warning() const;
    std::size_t waiting() const { return queue_.size(); }
    std::uint64_t dropped() const { return dropped_; }

  private:
    struct Pending {
        Write write;
        std::size_t events = 0;
    };
    store::HistoryStore* store_;
    std::size_t max_writes_, max_events_;
    std::chrono::seconds retry_after_;
    std::deque<Pending> queue_;
    std::size_t events_ = 0;
    std::uint64_t dropped_ = 0;
    std::optional<std::string> failing_;  // the last error while failing
    core::TimePoint retry_at_{};
};

}  // namespace portwatch::monitor
