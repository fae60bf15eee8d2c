#pragma once

#include "render/snapshot_renderer.h"

namespace portwatch::render {

// Like `netstat -anob`: Proto, Local Address, Foreign Address, State, PID, Process; columns
// sized to their widest cell; names made terminal-safe.
class TableSnapshotRenderer final : public SnapshotRenderer {
  public:
    void render(std::ostream& out, const core::Snapshot& snapshot,
                std::span<const core::Socket* const> sockets) const override;
};

}  // namespace portwatch::render
