#include "capture/host_defaults.h"

#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

struct Preset {
    core::PortRange range;
    core::Platform platform;
    std::string_view origin;
};

Preset preset(OsPreset os) {
    switch (os) {
        case OsPreset::Xp:
            return {{1025, 5000}, core::Platform::Windows,
                    "Windows XP/2003 default 1025-5000 (MaxUserPort), from --os"};
        case OsPreset::VistaPlus:
            return {{49152, 65535}, core::Platform::Windows,
                    "Windows Vista/2008 and later default 49152-65535, from --os"};
        case OsPreset::Linux:
            break;
    }
    return {{32768, 60999}, core::Platform::Linux,
            "Linux default 32768-60999 (net.ipv4.ip_local_port_range), from --os"};
}

}  // namespace

std::optional<OsPreset> parse_os_preset(std::string_view text) {
    std::string t;
    for (char c : text) {
        t += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (t == "xp" || t == "2003" || t == "2000" || t == "xp/2003") {
        return OsPreset::Xp;
    }
    if (t == "vista+" || t == "vista" || t == "2008" || t == "7" || t == "win7" || t == "8" ||
        t == "10" || t == "11" || t == "win10" || t == "win11" || t == "2012" || t == "2016" ||
        t == "2019" || t == "2022" || t == "2025" || t == "windows") {
        return OsPreset::VistaPlus;
    }
    if (t == "linux") {
        return OsPreset::Linux;
    }
    return std::nullopt;
}

Result<core::PortRange> parse_dashed_port_range(std::string_view text) {
    auto dash = text.find('-');
    unsigned low = 0, high = 0;
    if (dash == std::string_view::npos || !parse_decimal(trim(text.substr(0, dash)), low) ||
        !parse_decimal(trim(text.substr(dash + 1)), high) || low == 0 || high > 65535 ||
        low > high) {
        return make_error("expected a port range LOW-HIGH within 1-65535, got '" +
                          std::string(text.substr(0, 40)) + "'");
    }
    return core::PortRange{static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high)};
}

void apply_host_config(Capture& capture, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file) {
    const NetshRange* tcp = nullptr;
    const NetshRange* udp = nullptr;
    for (const auto& n : netsh) {
        (n.protocol == core::Protocol::Tcp ? tcp : udp) = &n;
    }
    for (auto& cs : capture.snapshots) {
        auto& config = cs.snapshot.config;
        if (choice.os) {
            config.platform = preset(*choice.os).platform;
        }
        if (choice.range) {
            config.ephemeral = choice.range;
            config.range_origin = "--range";
        } else if (tcp || udp) {
            const NetshRange* n = tcp ? tcp : udp;
            config.ephemeral = n->range;
            config.range_origin = std::string("netsh int ipv4 show dynamicport ") +
                                  (tcp ? "tcp" : "udp") + " (" + std::string(netsh_file) + ":" +
                                  std::to_string(n->line) + ")";
            if (!tcp) {
                cs.snapshot.warnings.push_back(core::Warning{
                    "only the UDP dynamic port range was given; it is used for TCP too"});
            }
        } else if (choice.os) {
            auto p = preset(*choice.os);
            config.ephemeral = p.range;
            config.range_origin = std::string(p.origin);
        } else if (config.platform == core::Platform::Windows && capture.xp_component_chains) {
            config.ephemeral = core::PortRange{1025, 5000};
            config.range_origin =
                "Windows XP/2003 default 1025-5000, assumed: the capture has the -v component "
                "chains only XP/2003 netstat prints (--os or --range to override)";
        } else if (config.platform == core::Platform::Windows) {
            config.ephemeral = core::PortRange{49152, 65535};
            config.range_origin =
                "Windows Vista/2008 and later default 49152-65535, assumed (no netsh output; "
                "--os xp or --range to override)";
        } else {
            config.ephemeral = core::PortRange{32768, 60999};
            config.range_origin =
                "Linux default 32768-60999, assumed (the capture does not show "
                "net.ipv4.ip_local_port_range; --range to override)";
        }
    }
}

}  // namespace portwatch::capture
