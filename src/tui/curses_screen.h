#pragma once
// The terminal as ncurses drives it, owned: created with newterm() on standard output and
// input, restored (endwin, delscreen) when the object goes, whatever the way out.

#include <memory>
#include <optional>

#include "core/result.h"
#include "tui/view.h"

namespace portwatch::tui {

class CursesScreen {
  public:
    // Fails (instead of exiting, as initscr() would) when the terminal type is unknown.
    static Result<std::unique_ptr<CursesScreen>> create();
    ~CursesScreen();
    CursesScreen(const CursesScreen&) = delete;
    CursesScreen& operator=(const CursesScreen&) = delete;

    std::size_t rows() const;
    std::size_t cols() const;
    // Draws the frame's lines from the top and shows them.
    void draw(const Frame& frame);
    // The next key already typed, as the view knows it (view.h), or nothing. Resizes arrive
    // as Key::Resize.
    std::optional<int> next_key();

  private:
    explicit CursesScreen(void* screen) : screen_(screen) {}
    void* screen_;  // SCREEN*, kept opaque so that curses.h stays out of the header
    bool colors_ = false;
};

}  // namespace portwatch::tui
