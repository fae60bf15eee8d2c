#pragma once

#include "render/json_writer.h"
#include "render/snapshot_renderer.h"

namespace portwatch::render {

// The "portwatch.snapshot/1" document described in docs/cli.md.
class JsonSnapshotRenderer final : public SnapshotRenderer {
  public:
    void render(std::ostream& out, const core::Snapshot& snapshot,
                std::span<const core::Socket* const> sockets) const override;
};

// Pieces shared with other JSON documents (diagnose reports embed them).
void write_socket(JsonWriter& json, const core::Socket& socket);
void write_process(JsonWriter& json, const core::Process& process);
void write_snapshot_header(JsonWriter& json, const core::Snapshot& snapshot);

}  // namespace portwatch::render
