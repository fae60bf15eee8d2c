#include "app/version.h"

namespace portwatch::app {

std::string version_text(const BuildInfo& info) {
    std::string text = "portwatch " + std::string(info.version) + "\ncommit: ";
    if (info.commit.empty()) {
        text += "unknown (not built from a git checkout)";
    } else {
        text += info.commit;
        if (info.modified) {
            text += ", with uncommitted changes";
        }
    }
    text += "\nfeatures:";
    if (info.features.empty()) {
        text += " none optional";
    }
    for (const Feature& f : info.features) {
        text += std::string(f.built_in ? " +" : " -") + std::string(f.name);
    }
    return text + "\n";
}

std::string version_text() {
    return version_text(build_info());
}

}  // namespace portwatch::app
