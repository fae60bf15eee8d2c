// portwatch-gen-cli-docs OUTDIR: writes the man pages (OUTDIR/man/*.1) and the shell
// completions (OUTDIR/completion/{portwatch.bash,_portwatch,portwatch.fish}) generated from
// the CLI11 tree portwatch parses with. Run by the build (target portwatch_cli_docs); not
// installed.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli_docs.h"
#include "app/cli_tree.h"
#include "app/version.h"

namespace {

bool write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        std::cerr << "portwatch-gen-cli-docs: cannot write " << path.string() << '\n';
        return false;
    }
    return true;
}

template <typename F>
std::string render(F&& write) {
    std::ostringstream s;
    write(s);
    return s.str();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace portwatch::app;
    if (argc != 2) {
        std::cerr << "usage: portwatch-gen-cli-docs OUTDIR\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::error_code ec;
    std::filesystem::create_directories(dir / "man", ec);
    std::filesystem::create_directories(dir / "completion", ec);
    if (ec) {
        std::cerr << "portwatch-gen-cli-docs: " << dir.string() << ": " << ec.message() << '\n';
        return 1;
    }
    CliTree tree;
    const CommandDoc root = describe_cli(tree.app);
    bool ok = true;
    for (const ManPage& page : man_pages(root, build_info().version)) {
        ok = write_file(dir / "man" / (page.name + ".1"), page.roff) && ok;
    }
    ok = write_file(dir / "completion" / "portwatch.bash",
                    render([&](std::ostream& s) { write_bash_completion(root, s); })) &&
         ok;
    ok = write_file(dir / "completion" / "_portwatch",
                    render([&](std::ostream& s) { write_zsh_completion(root, s); })) &&
         ok;
    ok = write_file(dir / "completion" / "portwatch.fish",
                    render([&](std::ostream& s) { write_fish_completion(root, s); })) &&
         ok;
    return ok ? 0 : 1;
}
