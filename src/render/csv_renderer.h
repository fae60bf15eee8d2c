#pragma once

#include "render/snapshot_renderer.h"

namespace portwatch::render {

// RFC 4180 CSV with a header row; every field terminal-safe, quoted when it needs to be.
class CsvSnapshotRenderer final : public SnapshotRenderer {
  public:
    void render(std::ostream& out, const core::Snapshot& snapshot,
                std::span<const core::Socket* const> sockets) const override;
};

// One CSV field: terminal-safe, then as csv_cell.
std::string csv_field(std::string_view text);

// One CSV field from terminal-safe text: quoted if it holds a comma, quote or space at either
// end; a cell a spreadsheet would run as a formula (first character = + - @ tab CR) is quoted
// with a single quote in front ("'=1+2"), the usual neutralisation.
std::string csv_cell(std::string_view safe_text);

}  // namespace portwatch::render
