#include "monitor/store_queue.h"

namespace portwatch::monitor {

void StoreQueue::push(Write write, std::size_t events) {
    if (store_ == nullptr) {
        return;
    }
    queue_.push_back({std::move(write), events});
    events_ += events;
    while (queue_.size() > 1 && (queue_.size() > max_writes_ || events_ > max_events_)) {
        events_ -= queue_.front().events;
        queue_.pop_front();
        ++dropped_;
    }
}

void StoreQueue::flush(core::TimePoint now, std::ostream& log, bool now_anyway) {
    if (store_ == nullptr || queue_.empty() || (failing_ && now < retry_at_ && !now_anyway)) {
        return;
    }
    const std::size_t before = queue_.size();
    while (!queue_.empty()) {
        auto ok = queue_.front().write(*store_);
        if (!ok) {
            if (!failing_) {
                log << "portwatch: history: " << ok.error().message
                    << "; not recording, still watching (retrying every " << retry_after_.count()
                    << " s)\n";
            }
            failing_ = ok.error().message;
            retry_at_ = now + retry_after_;
            return;
        }
        events_ -= queue_.front().events;
        queue_.pop_front();
    }
    if (failing_) {
        log << "portwatch: history: recording again (" << before << " writes caught up";
        if (dropped_ > 0) {
            log << ", " << dropped_ << " dropped while failing";
        }
        log << ")\n";
        failing_.reset();
    }
}

std::optional<std::string> StoreQueue::warning() const {
    if (!failing_) {
        return std::nullopt;
    }
    std::string w = "history: " + *failing_ + "; not recording (" + std::to_string(queue_.size()) +
                    " writes waiting";
    if (dropped_ > 0) {
        w += ", " + std::to_string(dropped_) + " dropped";
    }
    return w + ")";
}

}  // namespace portwatch::monitor
