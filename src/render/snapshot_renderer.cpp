#include "render/snapshot_renderer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

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

std::string endpoint_text(const core::Endpoint& endpoint, bool remote) {
    if (!endpoint.name.empty() && !endpoint.cut) {
        return endpoint.name.str();
    }
    std::string out = endpoint.address.is_v4() && !endpoint.cut
                          ? endpoint.address_text()
                          : '[' + endpoint.address_text() + ']';
    out += ':';
    if (remote && endpoint.port == 0 && endpoint.address.is_unspecified() && !endpoint.cut) {
        out += '*';
    } else {
        out += std::to_string(endpoint.port);
    }
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
