#include "capture/endpoint_text.h"

#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

bool plausible_name(std::string_view text) {
    if (text.empty() || text.size() > 255) {
        return false;
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || u >= 0x80;
        if (!ok) {
            return false;
        }
    }
    return true;
}

// An interface name as ss prints it after '%' (IFNAMSIZ is 16 with the NUL).
bool plausible_zone(std::string_view zone) {
    if (zone.empty() || zone.size() > 32) {
        return false;
    }
    for (char c : zone) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == ':' || c == '%' || c == '[' || c == ']' || c == '/') {
            return false;
        }
    }
    return true;
}

// Host part: "*", an address with an optional zone (numeric or an interface name), or a name.
bool parse_host(std::string_view host, core::Family hint, core::Endpoint& out, bool& named) {
    if (host == "*" || host.empty()) {
        out.address = core::IpAddress::any(hint);
        return true;
    }
    if (auto a = core::IpAddress::parse(host)) {
        out.address = *a;
        return true;
    }
    auto pct = host.find('%');
    if (pct != std::string_view::npos && plausible_zone(host.substr(pct + 1))) {
        // ss prints the interface: 127.0.0.53%lo (bound device), fe80::1%eth0 (zone), *%eth0.
        std::string_view base = host.substr(0, pct);
        if (base == "*") {
            out.address = core::IpAddress::any(hint);
            out.zone = std::string(host.substr(pct + 1));
            return true;
        }
        if (auto a = core::IpAddress::parse(base)) {
            out.address = *a;
            out.zone = std::string(host.substr(pct + 1));
            return true;
        }
    }
    if (!plausible_name(host)) {
        return false;
    }
    out.address = core::IpAddress::any(hint);
    named = true;
    return true;
}

}  // namespace

std::optional<EndpointText> parse_endpoint_text(std::string_view text, core::Family family_hint,
                                                bool port_optional) {
    if (text.empty() || text.size() > 300) {
        return std::nullopt;
    }
    EndpointText r;
    std::string_view host;
    std::string_view port;
    bool have_port = true;
    std::string_view outer_zone;  // ss: "[fe80::1]%eth0:123"
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        std::string_view after = text.substr(close + 1);
        if (!after.empty() && after.front() == '%') {
            auto colon = after.rfind(':');
            if (colon == std::string_view::npos || !plausible_zone(after.substr(1, colon - 1)) ||
                host.find('%') != std::string_view::npos) {
                return std::nullopt;
            }
            outer_zone = after.substr(1, colon - 1);
            after = after.substr(colon);
        }
        if (after.empty()) {
            have_port = false;
        } else if (after.front() == ':' || after.front() == '.') {
            port = after.substr(1);
        } else {
            return std::nullopt;
        }
        if (!core::IpAddress::parse(host)) {
            auto pct = host.find('%');
            if (pct == std::string_view::npos || !core::IpAddress::parse(host.substr(0, pct))) {
                // Not an address (a redacted or mangled capture): keep the row, by its text.
                if (host.empty() ||
                    host.find_first_not_of("0123456789abcdefABCDEF:.%ghijklmnopqrstuvwxyz") !=
                        std::string_view::npos) {
                    return std::nullopt;
                }
                r.named = true;
                r.endpoint.address = core::IpAddress::any(core::Family::Ipv6);
            }
        }
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            have_port = false;
            host = text;
        } else {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
    }
    if (r.named && text.front() == '[') {
        if (!have_port || !all_digits(port)) {
            return std::nullopt;
        }
        unsigned value = 0;
        if (!parse_decimal(port, value) || value > 65535) {
            return std::nullopt;
        }
        r.endpoint.port = static_cast<std::uint16_t>(value);
        r.endpoint.name = std::string(text);
        return r;
    }
    if (!have_port) {
        if (!port_optional) {
            return std::nullopt;
        }
        r.has_port = false;
        if (!parse_host(host, family_hint, r.endpoint, r.named) || r.named) {
            return std::nullopt;  // a bare name is not an endpoint
        }
        return r;
    }
    if (!parse_host(host, family_hint, r.endpoint, r.named)) {
        return std::nullopt;
    }
    if (!outer_zone.empty()) {
        r.endpoint.zone = std::string(outer_zone);
    }
    if (port == "*") {
        r.endpoint.port = 0;
    } else if (all_digits(port)) {
        unsigned value = 0;
        if (!parse_decimal(port, value) || value > 65535) {
            return std::nullopt;
        }
        r.endpoint.port = static_cast<std::uint16_t>(value);
    } else if (plausible_name(port)) {
        r.named = true;
    } else {
        return std::nullopt;
    }
    if (r.named) {
        r.endpoint.name = std::string(text);
    }
    return r;
}

std::optional<core::Endpoint> parse_cut_endpoint(std::string_view text) {
    if (text.size() != kNetToolsEndpointWidth) {
        return std::nullopt;
    }
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    std::string_view port = text.substr(colon + 1);
    if (host.find(':') == std::string_view::npos ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
        return std::nullopt;
    }
    unsigned value = 0;
    if (!parse_decimal(port, value) || value > 65535) {
        return std::nullopt;
    }
    core::Endpoint e;
    e.address = core::IpAddress::parse(host).value_or(core::IpAddress::any(core::Family::Ipv6));
    e.port = static_cast<std::uint16_t>(value);
    e.name = std::string(text);
    e.cut = true;
    return e;
}

std::optional<EndpointPair> parse_endpoint_pair(std::string_view local, std::string_view remote,
                                                core::Family family_hint) {
    auto l = parse_endpoint_text(local, family_hint);
    if (!l) {
        return std::nullopt;
    }
    auto r = parse_endpoint_text(remote, l->endpoint.address.family());
    if (!r) {
        return std::nullopt;
    }
    return EndpointPair{std::move(l->endpoint), std::move(r->endpoint), l->named || r->named};
}

}  // namespace portwatch::capture
