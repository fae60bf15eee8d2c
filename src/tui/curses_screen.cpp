#include "tui/curses_screen.h"

#include <curses.h>
#include <stdio.h>

#include <algorithm>
#include <string>

namespace portwatch::tui {

namespace {

enum Pair : short { kTitle = 1, kHeading, kOk, kWarning, kCritical, kStatus, kDim };

attr_t attributes(Style style, bool colors) {
    switch (style) {
        case Style::Normal:
            return A_NORMAL;
        case Style::Title:
            return A_BOLD;
        case Style::Heading:
            return colors ? COLOR_PAIR(kHeading) | A_BOLD : A_REVERSE;
        case Style::Ok:
            return colors ? COLOR_PAIR(kOk) : A_NORMAL;
        case Style::Warning:
            return colors ? COLOR_PAIR(kWarning) | A_BOLD : A_BOLD;
        case Style::Critical:
            return colors ? COLOR_PAIR(kCritical) | A_BOLD : A_BOLD | A_UNDERLINE;
        case Style::Status:
            return A_REVERSE;
        case Style::Dim:
            return A_DIM;
    }
    return A_NORMAL;
}

}  // namespace

Result<std::unique_ptr<CursesScreen>> CursesScreen::create() {
    SCREEN* screen = newterm(nullptr, stdout, stdin);
    if (screen == nullptr) {
        return make_error("cannot drive this terminal (is TERM set to a known type?)");
    }
    std::unique_ptr<CursesScreen> self(new CursesScreen(screen));
    set_term(screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(kTitle, -1, -1);
        init_pair(kHeading, COLOR_BLACK, COLOR_GREEN);
        init_pair(kOk, COLOR_GREEN, -1);
        init_pair(kWarning, COLOR_YELLOW, -1);
        init_pair(kCritical, COLOR_RED, -1);
        init_pair(kStatus, COLOR_BLACK, COLOR_CYAN);
        init_pair(kDim, -1, -1);
        self->colors_ = true;
    }
    return self;
}

CursesScreen::~CursesScreen() {
    endwin();
    delscreen(static_cast<SCREEN*>(screen_));
}

std::size_t CursesScreen::rows() const {
    return static_cast<std::size_t>(std::max(0, getmaxy(stdscr)));
}

std::size_t CursesScreen::cols() const {
    return static_cast<std::size_t>(std::max(0, getmaxx(stdscr)));
}

void CursesScreen::draw(const Frame& frame) {
    werase(stdscr);
    const int height = getmaxy(stdscr);
    const int width = getmaxx(stdscr);
    for (int y = 0; y < height && static_cast<std::size_t>(y) < frame.lines.size(); ++y) {
        const Line& line = frame.lines[static_cast<std::size_t>(y)];
        attr_t a = attributes(line.style, colors_);
        wattrset(stdscr, a);
        if (line.style == Style::Heading || line.style == Style::Status) {
            mvwhline(stdscr, y, 0, ' ', width);  // the bar runs the full width
        }
        // The bottom-right cell makes the cursor wrap; ncurses reports that as an error after
        // drawing, which is harmless here.
        mvwaddnstr(stdscr, y, 0, line.text.c_str(), static_cast<int>(line.text.size()));
        wattrset(stdscr, A_NORMAL);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

std::optional<int> CursesScreen::next_key() {
    wint_t ch = 0;
    int kind = wget_wch(stdscr, &ch);
    if (kind == ERR) {
        return std::nullopt;
    }
    if (kind == KEY_CODE_YES) {
        switch (ch) {
            case KEY_UP:
                return static_cast<int>(Key::Up);
            case KEY_DOWN:
                return static_cast<int>(Key::Down);
            case KEY_PPAGE:
                return static_cast<int>(Key::PageUp);
            case KEY_NPAGE:
                return static_cast<int>(Key::PageDown);
            case KEY_HOME:
                return static_cast<int>(Key::Home);
            case KEY_END:
                return static_cast<int>(Key::End);
            case KEY_ENTER:
                return static_cast<int>(Key::Enter);
            case KEY_BACKSPACE:
                return static_cast<int>(Key::Backspace);
            case KEY_RESIZE:
                return static_cast<int>(Key::Resize);
            default:
                if (ch == static_cast<wint_t>(KEY_F(1))) {
                    return static_cast<int>(Key::F1);
                }
                if (ch == static_cast<wint_t>(KEY_F(6))) {
                    return static_cast<int>(Key::F6);
                }
                return 0;  // a key the view does not use
        }
    }
    switch (ch) {
        case L'\n':
        case L'\r':
            return static_cast<int>(Key::Enter);
        case 27:
            return static_cast<int>(Key::Escape);
        case 8:
        case 127:
            return static_cast<int>(Key::Backspace);
        default:
            return static_cast<int>(ch);
    }
}

}  // namespace portwatch::tui
