#pragma once
// What `portwatch top` shows and how: the view settings the keys change, the lines a frame is
// made of, and the keys as the view knows them (the ncurses driver maps its key codes to these,
// so the view is tested without a terminal).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portwatch::tui {

enum class SortKey { Ports, TimeWait, Failures, Name, Pid };
inline constexpr SortKey kSortKeys[] = {SortKey::Ports, SortKey::TimeWait, SortKey::Failures,
                                        SortKey::Name, SortKey::Pid};

std::string_view sort_key_name(SortKey key);  // "ports", "time-wait", "failures", "name", "pid"
std::optional<SortKey> parse_sort_key(std::string_view text);
SortKey next_sort_key(SortKey key);

struct ViewSettings {
    std::size_t rows = 24, cols = 80;  // the terminal's size
    SortKey sort = SortKey::Ports;
    std::string filter;           // substring of the process name, or of its pid
    bool editing_filter = false;  // the filter line has the keyboard
    bool paused = false;          // the frame stays; the monitor keeps sampling
    bool help = false;
    std::size_t scroll = 0;  // first process row shown (clamped by the layout)
    bool utf8 = true;        // block characters and "…"; ASCII when the locale is not UTF-8
    // Plain text (stdout not a terminal): every pool and process, no key bar, no scrolling.
    bool batch = false;
    std::chrono::milliseconds interval{1000};
    std::chrono::seconds utc_offset{0};  // the local time zone's, for the clock in the title
};

// How a line is drawn on a terminal (the plain output ignores it).
enum class Style { Normal, Title, Heading, Ok, Warning, Critical, Status, Dim };

struct Line {
    std::string text;  // terminal-safe, at most `cols` columns wide
    Style style = Style::Normal;
};

struct Frame {
    std::vector<Line> lines;
    std::size_t scroll = 0;     // the scroll the layout used (clamped)
    std::size_t page = 1;       // process rows visible: what PgUp/PgDn move by
    std::size_t processes = 0;  // processes after the filter
};

// Keys as the view knows them; printable characters are their own code.
enum class Key : int {
    Up = 0x110000,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Escape,
    Backspace,
    F1,
    F6,
    Resize,
};

enum class KeyResult { Ignored, Changed, Quit };

// Applies one key to the settings. `frame` is the last frame drawn (its page size and clamped
// scroll). Quit is only ever the result of q (or Q) outside the filter line.
KeyResult apply_key(ViewSettings& view, int key, const Frame& frame);

}  // namespace portwatch::tui
