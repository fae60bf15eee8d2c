#pragma once
// Opens an HTML file in headless Chromium (Debian's `chromium`): a screenshot and the DOM as
// Chromium built it, and the console's error lines. Bounded by a timeout; its profile lives in
// a temporary directory. Root needs --no-sandbox, which it always passes.

#include <string>

namespace portwatch::testing {

struct ChromiumPage {
    bool ran = false;            // chromium was found and exited 0 for both runs
    std::string dom;             // --dump-dom
    std::string console_errors;  // console messages at level error or warning, one a line
    std::string log;             // its stderr, for the failure message
};

// The path of chromium, or empty when it is not installed.
std::string find_chromium();

// Renders file `html` at 1200x2000, writes the screenshot to `png`.
ChromiumPage open_in_chromium(const std::string& html, const std::string& png);

}  // namespace portwatch::testing
