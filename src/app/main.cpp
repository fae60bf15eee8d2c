#include <exception>
#include <iostream>

#include "app/cli.h"
#include "app/exit_code.h"

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    try {
        auto cli = portwatch::app::parse_cli({argv, argv + argc}, std::cout, std::cerr);
        if (!cli) {
            return cli.error();
        }
        return portwatch::app::run(*cli, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "portwatch: fatal: " << e.what() << '\n';
        return portwatch::app::kExitFailure;
    }
}
