#include "core/socket_query.h"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace portwatch::core {

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || p != text.data() + text.size() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::string_view basename(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        slash = path.rfind('\\');
    }
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool process_named(const Process& process, const std::string& name) {
    return process.name == name || basename(process.exe) == name;
}

// Lexicographic on (family, bytes, port) so that addresses sort numerically.
auto endpoint_key(const Endpoint& e) {
    return std::tuple(e.address.family(), e.address.bytes(), e.port, e.name.view());
}

std::int32_t first_owner(const Socket& s) {
    return s.owners.empty() ? INT32_MAX : s.owners.front();
}

}  // namespace

Result<void> parse_remote(std::string_view text, SocketFilter& filter) {
    auto bad = [&] {
        return make_error("invalid remote '" + std::string(text) +
                          "': expected ADDR, ADDR:PORT, [IPV6]:PORT or :PORT");
    };
    std::string_view addr = text;
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            return bad();
        }
        addr = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) {
                return bad();
            }
            port = rest.substr(1);
            if (port.empty()) {
                return bad();
            }
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        addr = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (port.empty()) {
            return bad();
        }
    }
    if (!addr.empty()) {
        auto ip = IpAddress::parse(addr);
        if (!ip) {
            return bad();
        }
        filter.remote_address = ip->normalized();
    }
    if (!port.empty()) {
        auto p = parse_port(port);
        if (!p) {
            return bad();
        }
        filter.remote_port = *p;
    }
    if (!filter.remote_address && !filter.remote_port) {
        return bad();
    }
    return {};
}

bool matches(const SocketFilter& f, const Socket& s, const Snapshot& snapshot) {
    if (s.protocol == Protocol::Tcp ? !f.tcp : !f.udp) {
        return false;
    }
    if (s.family() == Family::Ipv4 ? !f.ipv4 : !f.ipv6) {
        return false;
    }
    if (f.listening_only) {
        bool listening =
            s.protocol == Protocol::Tcp ? s.state == TcpState::Listen : s.state == TcpState::Close;
        if (!listening) {
            return false;
        }
    }
    if (!f.states.empty() &&
        std::find(f.states.begin(), f.states.end(), s.state) == f.states.end()) {
        return false;
    }
    if (!f.ports.empty() && std::none_of(f.ports.begin(), f.ports.end(), [&](auto p) {
            return s.local.port == p || s.remote.port == p;
        })) {
        return false;
    }
    if (f.remote_address && s.remote.address.normalized() != *f.remote_address) {
        // compare without zone: a filter rarely names one
        IpAddress a = s.remote.address.normalized();
        if (a.family() != f.remote_address->family() || a.bytes() != f.remote_address->bytes() ||
            f.remote_address->scope_id() != 0) {
            return false;
        }
    }
    if (f.remote_port && s.remote.port != *f.remote_port) {
        return false;
    }
    if (!f.pids.empty() && std::none_of(s.owners.begin(), s.owners.end(), [&](auto pid) {
            return std::find(f.pids.begin(), f.pids.end(), pid) != f.pids.end();
        })) {
        return false;
    }
    if (!f.processes.empty() && std::none_of(s.owners.begin(), s.owners.end(), [&](auto pid) {
            const Process* p = snapshot.find_process(pid);
            return p && std::any_of(f.processes.begin(), f.processes.end(),
                                    [&](const std::string& n) { return process_named(*p, n); });
        })) {
        return false;
    }
    return true;
}

std::optional<SortKey> parse_sort_key(std::string_view text) {
    if (text == "proto")
        return SortKey::Proto;
    if (text == "local")
        return SortKey::Local;
    if (text == "remote")
        return SortKey::Remote;
    if (text == "state")
        return SortKey::State;
    if (text == "pid")
        return SortKey::Pid;
    if (text == "process")
        return SortKey::Process;
    if (text == "none")
        return SortKey::None;
    return std::nullopt;
}

std::vector<const Socket*> select(const Snapshot& snapshot, const SocketFilter& filter,
                                  SortKey key) {
    std::vector<const Socket*> out;
    out.reserve(snapshot.sockets.size());
    for (const Socket& s : snapshot.sockets) {
        if (matches(filter, s, snapshot)) {
            out.push_back(&s);
        }
    }
    auto by = [&](auto project) {
        std::stable_sort(out.begin(), out.end(), [&](const Socket* a, const Socket* b) {
            return project(*a) < project(*b);
        });
    };
    switch (key) {
        case SortKey::None:
            break;
        case SortKey::Proto:
            by([](const Socket& s) { return std::tuple(s.protocol, s.family()); });
            break;
        case SortKey::Local:
            by([](const Socket& s) {
                return std::tuple(endpoint_key(s.local), endpoint_key(s.remote));
            });
            break;
        case SortKey::Remote:
            by([](const Socket& s) {
                return std::tuple(endpoint_key(s.remote), endpoint_key(s.local));
            });
            break;
        case SortKey::State:
            by([](const Socket& s) { return s.state; });
            break;
        case SortKey::Pid:
            by([](const Socket& s) { return first_owner(s); });
            break;
        case SortKey::Process:
            by([&](const Socket& s) {
                const Process* p =
                    s.owners.empty() ? nullptr : snapshot.find_process(s.owners.front());
                return std::tuple(p == nullptr, p ? std::string_view(p->name) : std::string_view(),
                                  first_owner(s));
            });
            break;
    }
    return out;
}

}  // namespace portwatch::core
