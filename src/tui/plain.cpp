#include "tui/plain.h"

#include "tui/layout.h"

namespace portwatch::tui {

void write_plain_frame(std::ostream& out, const monitor::MonitorState& state,
                       const ViewSettings& view) {
    ViewSettings batch = view;
    batch.batch = true;
    batch.help = false;
    batch.editing_filter = false;
    for (const auto& line : layout(state, batch).lines) {
        // No trailing blanks: a file reader sees the columns, not the padding.
        std::string_view text = line.text;
        text = text.substr(0, text.find_last_not_of(' ') + 1);
        out << text << '\n';
    }
    out << '\n';
}

}  // namespace portwatch::tui
