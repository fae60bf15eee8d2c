#include "monitor/alert.h"

namespace portwatch::monitor {

std::string_view alert_kind_name(AlertKind kind) {
    return kind == AlertKind::Forecast ? "forecast" : "crossing";
}

void AlertRunner::run(const std::string& json, std::ostream& log) {
    if (!enabled()) {
        return;
    }
    if (reap(log) >= max_running_) {
        log << "portwatch: alert: --on-alert command not run: " << children_.size()
            << " still running\n";
        return;
    }
    std::size_t sent = 0;
    auto child = sys::ShellChild::spawn(command_, json, sent);
    if (!child) {
        log << "portwatch: alert: --on-alert: " << child.error().message << '\n';
        return;
    }
    if (sent < json.size()) {
        log << "portwatch: alert: --on-alert command took " << sent << " of " << json.size()
            << " bytes of the alert\n";
    }
    children_.push_back({std::move(*child), std::chrono::steady_clock::now(), false});
}

std::size_t AlertRunner::reap(std::ostream& log) {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = children_.begin(); it != children_.end();) {
        if (auto status = it->process.poll()) {
            if (*status != 0 && !it->killed) {
                log << "portwatch: alert: --on-alert command exited with status " << *status
                    << '\n';
            }
            it = children_.erase(it);
            continue;
        }
        if (!it->killed && now - it->started > timeout_) {
            log << "portwatch: alert: --on-alert command still running after "
                << std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()
                << " ms; killed\n";
            it->process.kill_group();
            it->killed = true;
        }
        ++it;
    }
    return children_.size();
}

}  // namespace portwatch::monitor
