#include "render/snapshot_renderer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>

#include "render/csv_renderer.h"
#include "render/json_renderer.h"
#include "render/table_renderer.h"

namespace portwatch::render {

std::unique_ptr<SnapshotRenderer> make_snapshot_renderer(Format format) {
    switch (format) {
        case Format::Json:
            return std::make_unique<JsonSnapshotRenderer>();
        case Format::Csv:
            return std::make_unique<CsvSnapshotRenderer>();
        case Format::Table:
            break;
    }
    return std::make_unique<TableSnapshotRenderer>();
}

void append_endpoint_text(std::string& out, const core::Endpoint& endpoint, bool remote) {
    if (!endpoint.name.empty() && !endpoint.cut) {
        out += endpoint.name.view();
        return;
    }
    const bool brackets = !endpoint.address.is_v4() || endpoint.cut;
    if (brackets) {
        out += '[';
    }
    if (endpoint.cut || !endpoint.zone.empty()) {
        out += endpoint.address_text();
    } else {
        endpoint.address.append_to(out);  // address_text() without its copy
    }
    if (brackets) {
        out += ']';
    }
    out += ':';
    if (remote && endpoint.port == 0 && endpoint.address.is_unspecified() && !endpoint.cut) {
        out += '*';
    } else {
        char digits[8];
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, endpoint.port);
        out.append(digits, end);
    }
}

std::string endpoint_text(const core::Endpoint& endpoint, bool remote) {
    std::string out;
    append_endpoint_text(out, endpoint, remote);
    return out;
}

std::string_view proto_label(const core::Socket& socket) {
    bool v6 = socket.family() == core::Family::Ipv6;
    if (socket.protocol == core::Protocol::Tcp) {
        return v6 ? "tcp6" : "tcp";
    }
    return v6 ? "udp6" : "udp";
}

std::string iso_time(std::chrono::system_clock::time_point at) {
    // Rounded down, also before 1970 (a capture's '# taken at 1969-...'): never ".-933Z".
    auto ms = std::chrono::floor<std::chrono::milliseconds>(at.time_since_epoch()).count();
    auto below = (ms % 1000 + 1000) % 1000;
    std::time_t seconds = static_cast<std::time_t>((ms - below) / 1000);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(seconds), below);
}

}  // namespace portwatch::render
