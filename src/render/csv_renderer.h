#pragma once

#include "render/snapshot_renderer.h"

namespace portwatch::render {

// RFC 4180 CSV with a header row; every field terminal-safe, quoted when it needs to be.
class CsvSnapshotRenderer final : public SnapshotRenderer {
  public:
    void render(std::ostream& out, const core::Snapshot& snapshot,
                std::span<const core::Socket* const> sockets) const override;
};

// One CSV field (terminal-safe, quoted if it holds a comma, quote or space at either end).
std::string csv_field(std::string_view text);

}  // namespace portwatch::render
