#include "app/exporter_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <string>

namespace portwatch::app {

namespace {

constexpr const char* kModuleName = "portwatch-http.so";

// The directory of the running binary ("" when /proc/self/exe cannot be read).
std::string binary_dir() {
    std::array<char, 4096> path{};
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (n <= 0) {
        return {};
    }
    std::string dir(path.data(), static_cast<std::size_t>(n));
    const auto slash = dir.rfind('/');
    return slash == std::string::npos ? std::string(".") : dir.substr(0, slash);
}

}  // namespace

Result<ExporterServerFactory> load_exporter_server() {
    const std::string dir = binary_dir();
    if (dir.empty()) {
        return make_error(ErrorKind::Internal,
                          "exporter: cannot find its HTTP server module: /proc/self/exe is "
                          "unreadable");
    }
    std::string tried;
    for (const std::string& path :
         {dir + "/" + kModuleName, dir + "/" PORTWATCH_MODULE_DIR "/" + kModuleName}) {
        void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module == nullptr) {
            const char* why = ::dlerror();
            tried += std::string(tried.empty() ? "" : "; ") + (why != nullptr ? why : path);
            continue;
        }
        // Never closed: the server's code runs until the process ends.
        using Entry = ExporterServerFactory (*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(module, kHttpModuleEntry));
        if (entry == nullptr) {
            return make_error(ErrorKind::Unsupported,
                              "exporter: " + path +
                                  " is not this version's HTTP server module (no " +
                                  kHttpModuleEntry + ")");
        }
        return entry();
    }
    return make_error(ErrorKind::NotFound,
                      "exporter: cannot load its HTTP server module (" + tried + ")");
}

}  // namespace portwatch::app
