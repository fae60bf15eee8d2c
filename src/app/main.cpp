#include <exception>
#include <iostream>

#include "app/cli.h"
#include "app/exit_code.h"
#include "app/output.h"
#include "render/utf8.h"

int main(int argc, char** argv) {
    using namespace portwatch::app;
    std::ios::sync_with_stdio(false);
    const unsigned closed = keep_standard_fds_open();
    CheckedOutput out(1, (closed & 2u) != 0);
    try {
        auto cli = parse_cli({argv, argv + argc}, out.stream(), std::cerr);
        if (!cli) {
            return out.finish(std::cerr, cli.error(), kExitFailure);  // --help, --version
        }
        int code = run(*cli, out.stream(), std::cerr);
        return out.finish(std::cerr, code, write_error_code(*cli));
    } catch (const std::exception& e) {
        std::cerr << "portwatch: fatal: " << portwatch::render::terminal_safe(e.what()) << '\n';
        return kExitFailure;
    }
}
