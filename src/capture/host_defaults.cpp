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
            return {{1025, 5000},
                    core::Platform::Windows,
                    "Windows XP/2003 default 1025-5000 (MaxUserPort), from --os"};
        case OsPreset::VistaPlus:
            return {{49152, 65535},
                    core::Platform::Windows,
                    "Windows Vista/2008 and later default 49152-65535, from --os"};
        case OsPreset::Linux:
            break;
    }
    return {{32768, 60999},
            core::Platform::Linux,
            "Linux default 32768-60999 (net.ipv4.ip_local_port_range), from --os"};
}

// Which Windows the capture shows, from the strongest clue: --os, then what only one
// generation prints (XP/2003's -v component chains; netsh's dynamicport command, BOUND rows
// and the PowerShell cmdlets exist on Vista/2008 and later only).
void set_windows_generation(core::HostConfig& config, bool xp_component_chains,
                            const CaptureSnapshot& cs, const RangeChoice& choice, bool netsh) {
    using core::WindowsGeneration;
    if (config.platform != core::Platform::Windows) {
        return;
    }
    constexpr std::uint32_t kPowerShell = (1u << static_cast<unsigned>(Format::PowerShellCsv)) |
                                          (1u << static_cast<unsigned>(Format::PowerShellTable));
    if (choice.os) {
        config.windows =
            *choice.os == OsPreset::Xp ? WindowsGeneration::UpTo2003 : WindowsGeneration::VistaPlus;
        config.windows_origin = "from --os";
    } else if (xp_component_chains) {
        config.windows = WindowsGeneration::UpTo2003;
        config.windows_origin = "the capture has the -v component chains only their netstat prints";
    } else if (netsh) {
        config.windows = WindowsGeneration::VistaPlus;
        config.windows_origin =
            "netsh int ipv4 show dynamicport, in the capture, exists there only";
    } else if (cs.has_bound_rows) {
        config.windows = WindowsGeneration::VistaPlus;
        config.windows_origin = "its BOUND rows come from netstat -q, Windows 10/2012 R2 and later";
    } else if (cs.formats & kPowerShell) {
        config.windows = WindowsGeneration::VistaPlus;
        config.windows_origin =
            "Get-NetTCPConnection, in the capture, exists on Windows 8/2012 and later";
    }
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

namespace {

std::string range_text(core::PortRange r) {
    return std::to_string(r.low) + "-" + std::to_string(r.high);
}

void infer(core::HostConfig& config, const OutboundPorts& outbound, std::string_view assumed_name,
           std::vector<core::Warning>& warnings) {
    auto inference =
        check_range(outbound, *config.ephemeral, std::string(assumed_name), config.platform);
    if (!inference) {
        return;
    }
    const auto& r = *inference;
    std::string counts = std::to_string(r.outside) + " of the " + std::to_string(r.ports_seen) +
                         " local ports of outbound connections";
    if (config.range_source == core::RangeSource::Option ||
        config.range_source == core::RangeSource::Netsh) {
        warnings.push_back(core::Warning{
            counts + " lie outside " + range_text(r.assumed) + " (" + r.assumed_name +
            "): the capture was probably taken with another range (the ports seen span " +
            range_text(r.seen) + ")"});
        config.range_inference = std::move(inference);
        return;
    }
    std::string what = r.known_name.empty()
                           ? "at least " + range_text(r.inferred) + ", the span of the ports seen"
                           : range_text(r.inferred) + ", " + r.known_name + ", which covers them";
    config.range_origin = "inferred from the " + std::to_string(r.ports_seen) +
                          " local ports of outbound connections, " + std::to_string(r.outside) +
                          " of them outside " + r.assumed_name + " " + range_text(r.assumed) +
                          ": " + what + " (--range to override)";
    config.range_note = "The capture's outbound ports do not fit " + r.assumed_name + " " +
                        range_text(r.assumed) + ": " + counts + " lie outside it, so it is " +
                        "judged by " + what + " (--range to set the range).";
    config.ephemeral = r.inferred;
    config.range_source = core::RangeSource::Inferred;
    config.range_inference = std::move(inference);
}

}  // namespace

void apply_host_config(Capture& capture, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file,
                       const OutboundPorts& outbound) {
    for (auto& cs : capture.snapshots) {
        apply_host_config(cs, capture.xp_component_chains, choice, netsh, netsh_file, outbound);
    }
}

void apply_host_config(CaptureSnapshot& cs, bool xp_component_chains, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file,
                       const OutboundPorts& outbound) {
    const NetshRange* tcp = nullptr;
    const NetshRange* udp = nullptr;
    for (const auto& n : netsh) {
        (n.protocol == core::Protocol::Tcp ? tcp : udp) = &n;
    }
    {
        auto& config = cs.snapshot.config;
        config.range_inference.reset();
        config.range_note.clear();
        std::string assumed_name;
        if (choice.os) {
            config.platform = preset(*choice.os).platform;
        }
        set_windows_generation(config, xp_component_chains, cs, choice, tcp || udp);
        if (choice.range) {
            config.ephemeral = choice.range;
            config.range_origin = "--range";
            config.range_source = core::RangeSource::Option;
            assumed_name = "the --range given";
        } else if (tcp || udp) {
            const NetshRange* n = tcp ? tcp : udp;
            config.ephemeral = n->range;
            config.range_origin = std::string("netsh int ipv4 show dynamicport ") +
                                  (tcp ? "tcp" : "udp") + " (" + std::string(netsh_file) + ":" +
                                  std::to_string(n->line) + ")";
            config.range_source = core::RangeSource::Netsh;
            assumed_name = "the range netsh reports";
            if (!tcp) {
                cs.snapshot.warnings.push_back(core::Warning{
                    "only the UDP dynamic port range was given; it is used for TCP too"});
            }
        } else if (choice.os) {
            auto p = preset(*choice.os);
            config.ephemeral = p.range;
            config.range_origin = std::string(p.origin);
            config.range_source = core::RangeSource::Os;
            assumed_name = "the --os default";
        } else if (config.platform == core::Platform::Windows && xp_component_chains) {
            config.ephemeral = core::PortRange{1025, 5000};
            config.range_origin =
                "Windows XP/2003 default 1025-5000, assumed: the capture has the -v component "
                "chains only XP/2003 netstat prints (--os or --range to override)";
            config.range_source = core::RangeSource::Default;
            assumed_name = "the Windows XP/2003 default";
        } else if (config.platform == core::Platform::Windows) {
            config.ephemeral = core::PortRange{49152, 65535};
            config.range_origin =
                "Windows Vista/2008 and later default 49152-65535, assumed (no netsh output; "
                "--os xp or --range to override)";
            config.range_source = core::RangeSource::Default;
            assumed_name = "the Windows Vista/2008 and later default";
        } else {
            config.ephemeral = core::PortRange{32768, 60999};
            config.range_origin =
                "Linux default 32768-60999, assumed (the capture does not show "
                "net.ipv4.ip_local_port_range; --range to override)";
            config.range_source = core::RangeSource::Default;
            assumed_name = "the Linux default";
        }
        infer(config, outbound, assumed_name, cs.snapshot.warnings);
    }
}

void apply_host_config(Capture& capture, const RangeChoice& choice,
                       const std::vector<NetshRange>& netsh, std::string_view netsh_file) {
    OutboundPorts outbound;
    outbound.add(capture);
    apply_host_config(capture, choice, netsh, netsh_file, outbound);
}

}  // namespace portwatch::capture
