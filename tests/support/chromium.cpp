#include "support/chromium.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/process.h"

namespace portwatch::testing {

std::string find_chromium() {
    for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (std::filesystem::exists(path)) {
            return path;
        }
    }
    return {};
}

ChromiumPage open_in_chromium(const std::string& html, const std::string& png) {
    ChromiumPage page;
    const std::string chromium = find_chromium();
    if (chromium.empty()) {
        page.log = "chromium is not installed (scripts/setup.sh installs it)";
        return page;
    }
    char dir_template[] = "/tmp/portwatch-chromium-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) {
        page.log = "mkdtemp failed";
        return page;
    }
    const std::string url = "file://" + std::filesystem::absolute(html).string();
    // 90 s at most per run (a cold start on a loaded CI machine takes a few seconds); then
    // SIGKILL 5 s later if it ignores SIGTERM.
    auto run = [&](const std::string& what) {
        return run_argv({"timeout", "-k", "5", "90", "env", std::string("HOME=") + dir, chromium,
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--hide-scrollbars",
                         std::string("--user-data-dir=") + dir + "/profile",
                         "--enable-logging=stderr", "--v=0", "--window-size=1200,2000", what, url});
    };
    auto shot = run("--screenshot=" + png);
    auto dom = run("--dump-dom");
    std::filesystem::remove_all(dir);
    page.ran = shot.code == 0 && dom.code == 0;
    page.dom = dom.out;
    page.log = shot.err + dom.err;
    // Console messages are logged as "...:INFO:CONSOLE(line)] "text", source: url (line)";
    // errors (a refused fetch, a CSP violation, a script error) are what a clean report has none
    // of.
    std::istringstream lines(page.log);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("CONSOLE") != std::string::npos ||
            line.find("Refused to") != std::string::npos ||
            line.find("Uncaught") != std::string::npos) {
            page.console_errors += line + "\n";
        }
    }
    return page;
}

}  // namespace portwatch::testing
