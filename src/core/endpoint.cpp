#include "core/endpoint.h"

namespace portwatch::core {

std::string Endpoint::to_string() const {
    if (!name.empty()) {
        return name;
    }
    std::string out;
    if (address.is_v4()) {
        out = address.to_string();
    } else {
        out = '[' + address.to_string() + ']';
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

}  // namespace portwatch::core
