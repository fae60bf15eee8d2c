#pragma once
// What `portwatch --version` says: the version, the git commit the binary was built from and
// which optional parts were built in. The values are generated at build time
// (cmake/BuildInfo.cmake writes build_info.cpp in the build tree); the optional parts are the
// CMake variables listed with portwatch_feature() in the top-level CMakeLists.txt.

#include <span>
#include <string>
#include <string_view>

namespace portwatch::app {

struct Feature {
    std::string_view name;  // "bpf"
    bool built_in = false;
};

struct BuildInfo {
    std::string_view version;  // "0.1.0" (CMake's project version)
    std::string_view commit;   // 40 hex digits; empty when not built from a git checkout
    bool modified = false;     // the checkout had uncommitted changes to tracked files
    std::span<const Feature> features;
};

// This binary's (generated).
const BuildInfo& build_info();

// Three lines:
//   portwatch 0.1.0
//   commit: 9b5a4d81f0c6...   (", with uncommitted changes"; "unknown (not built from a git
//                              checkout)" from a tarball)
//   features: +bpf -sqlite     (systemd's style: + built in, - not)
std::string version_text(const BuildInfo& info);
std::string version_text();

}  // namespace portwatch::app
