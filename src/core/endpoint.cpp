#include "core/endpoint.h"

namespace portwatch::core {

std::string Endpoint::address_text() const {
    if (cut) {
        // The text as printed is "<cut address>:<port>"; the port never holds a colon.
        auto colon = name.str().rfind(':');
        return name.str().substr(0, colon) + "...";
    }
    if (!name.empty()) {
        return name.str();
    }
    std::string out = address.to_string();
    if (!zone.empty()) {
        out += '%';
        out += zone;
    }
    return out;
}

std::string Endpoint::to_string() const {
    if (!name.empty() && !cut) {
        return name.str();
    }
    std::string out;
    if (address.is_v4() && !cut) {
        out = address_text();
    } else {
        out = '[' + address_text() + ']';
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

}  // namespace portwatch::core
