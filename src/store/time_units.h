#pragma once
// The history's one time unit: milliseconds since the Unix epoch (UTC).

#include <chrono>
#include <cstdint>

#include "core/clock.h"

namespace portwatch::store {

inline std::int64_t to_ms(core::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline core::TimePoint from_ms(std::int64_t ms) {
    return core::TimePoint(
        std::chrono::duration_cast<core::TimePoint::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace portwatch::store
