#pragma once
// Renderers of a snapshot's (selected) sockets. Each writes to the stream it is given.

#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "core/snapshot.h"

namespace portwatch::render {

enum class Format { Table, Json, Csv };

class SnapshotRenderer {
  public:
    virtual ~SnapshotRenderer() = default;
    virtual void render(std::ostream& out, const core::Snapshot& snapshot,
                        std::span<const core::Socket* const> sockets) const = 0;
};

std::unique_ptr<SnapshotRenderer> make_snapshot_renderer(Format format);

// Shared by the renderers: "*" for a wildcard remote port, as netstat and ss print it.
std::string endpoint_text(const core::Endpoint& endpoint, bool remote);
void append_endpoint_text(std::string& out, const core::Endpoint& endpoint, bool remote);
// "tcp", "tcp6", "udp", "udp6".
std::string_view proto_label(const core::Socket& socket);
// "2026-11-25T19:52:30.123Z"
std::string iso_time(std::chrono::system_clock::time_point at);

}  // namespace portwatch::render
