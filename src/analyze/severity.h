#pragma once
// How bad a pool or limit is, and the thresholds that decide it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace portwatch::analyze {

// Ordered: a report's verdict is the worst severity of its findings.
enum class Severity : std::uint8_t { Ok, Warning, Critical, Exhausted };

struct Thresholds {
    double warning = 0.70;   // utilisation at or above: WARNING
    double critical = 0.90;  // at or above: CRITICAL; no free port at all: EXHAUSTED
    std::size_t top = 5;     // owners, destinations and culprits kept per pool/finding
    // Pools whose owners and destinations are kept: the worst ones (Pool::detailed).
    std::size_t detailed_pools = 1000;
};

// Utilisation in [0, 1] (used / size) and the free count, rated against `t`.
Severity rate(double utilisation, std::uint64_t free, const Thresholds& t);

std::string_view severity_name(Severity severity);  // "OK", "WARNING", "CRITICAL", "EXHAUSTED"

}  // namespace portwatch::analyze
