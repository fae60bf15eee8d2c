#include "analyze/host_fact_lines.h"

#include <fmt/format.h>

#include "analyze/severity.h"

namespace portwatch::analyze {

std::vector<HostFactLine> host_fact_lines(const Report& r) {
    std::vector<HostFactLine> out;
    auto fact = [&](std::string label, std::string value) {
        out.push_back({std::move(label), std::move(value)});
    };
    fact("ephemeral range", fmt::format("{}-{} ({} ports; {})", r.range.low, r.range.high,
                                        r.range.size(), r.range_origin));
    fact("usable ports", fmt::format("{} (reserved inside the range: {}; bound explicitly: {}; "
                                     "listeners in the range: {})",
                                     r.range_size, r.reserved, r.bind_owned, r.listeners_in_range));
    if (r.platform == core::Platform::Linux) {
        fact("net.ipv4.tcp_tw_reuse",
             fmt::format("{}{}", r.tcp_tw_reuse, r.tw_reuse_assumed ? " (assumed default)" : ""));
    }
    fact("TIME_WAIT length", fmt::format("{} s ({})", r.time_wait_seconds, r.time_wait_origin));
    if (r.host && !r.host->kernel_release.empty()) {
        fact("kernel", r.host->kernel_release);
    }
    for (const auto& l : r.limits) {
        std::string who =
            l.kind != LimitKind::ProcessFds ? l.name
            : l.pid == 0
                ? fmt::format("open files of {}", l.name.empty() ? "(no owner found)" : l.name)
                : fmt::format("open files of {} ({})",
                              l.name.empty() ? "(name not captured)" : l.name, l.pid);
        fact(std::move(who), fmt::format("{} of {} ({:.0f} %, {})", l.used, l.limit,
                                         l.utilisation * 100, severity_name(l.severity)));
    }
    return out;
}

}  // namespace portwatch::analyze
