#include "app/exporter_web.h"

#include <crypt.h>

#include <array>
#include <memory>

#include "core/text.h"
#include "sys/read_file.h"

namespace portwatch::app {

namespace {

std::string_view unquote(std::string_view v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
        return v.substr(1, v.size() - 2);
    }
    return v;
}

// A comment starts at '#' at the start of the line or after a space, outside quotes.
std::string_view strip_comment(std::string_view line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
            return line.substr(0, i);
        }
    }
    return line;
}

bool is_bcrypt(std::string_view hash) {
    return hash.size() == 60 &&
           (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

}  // namespace

Result<WebConfig> parse_web_config(std::string_view text, std::string_view where) {
    WebConfig config;
    std::string section;
    std::size_t number = 0;
    auto fail = [&](const std::string& why) {
        return make_error(std::string(where) + ":" + std::to_string(number) + ": " + why);
    };
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++number;
        line = strip_comment(line);
        if (core::trim(line).empty() || core::trim(line) == "---") {
            continue;
        }
        const bool indented = line.front() == ' ' || line.front() == '\t';
        line = core::trim(line);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return fail("expected 'key: value'");
        }
        const std::string key(unquote(core::trim(line.substr(0, colon))));
        const std::string value(unquote(core::trim(line.substr(colon + 1))));
        if (!indented) {
            if (key != "tls_server_config" && key != "basic_auth_users" &&
                key != "http_server_config") {
                return fail("'" + key + "' is not supported (tls_server_config, basic_auth_users)");
            }
            if (!value.empty() && value != "{}") {
                return fail("'" + key + "' must be a mapping");
            }
            section = key;
            continue;
        }
        if (section == "tls_server_config") {
            if (key == "cert_file") {
                config.cert_file = value;
            } else if (key == "key_file") {
                config.key_file = value;
            } else {
                return fail("tls_server_config: '" + key +
                            "' is not supported by portwatch (cert_file, key_file)");
            }
        } else if (section == "basic_auth_users") {
            if (!is_bcrypt(value)) {
                return fail("basic_auth_users: the password of '" + key +
                            "' must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)");
            }
            config.users[key] = value;
        } else if (section == "http_server_config") {
            return fail("http_server_config: '" + key + "' is not supported by portwatch");
        } else {
            return fail("an indented line outside a section");
        }
    }
    if (config.cert_file.empty() != config.key_file.empty()) {
        return make_error(std::string(where) +
                          ": tls_server_config needs both cert_file and key_file");
    }
    return config;
}

Result<WebConfig> read_web_config(const std::string& path) {
    auto text = sys::read_file(path);
    if (!text) {
        return make_error(ErrorKind::Io, path + ": cannot be read");
    }
    return parse_web_config(*text, path);
}

Result<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) {
        return make_error("base64: length not a multiple of 4");
    }
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
                v[k] = 0;
                continue;
            }
            if (pad > 0 || (v[k] = value(c)) < 0) {
                return make_error("base64: bad character");
            }
        }
        const std::uint32_t n = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) |
                                (std::uint32_t(v[2]) << 6) | std::uint32_t(v[3]);
        out += static_cast<char>((n >> 16) & 0xFF);
        if (pad < 2)
            out += static_cast<char>((n >> 8) & 0xFF);
        if (pad < 1)
            out += static_cast<char>(n & 0xFF);
    }
    return out;
}

bool BasicAuth::check(std::string_view authorization) {
    if (users_.empty() || !authorization.starts_with("Basic ")) {
        return false;
    }
    const std::string_view token = core::trim(authorization.substr(6));
    {
        std::lock_guard lock(mutex_);
        if (passed_.contains(std::string(token))) {
            return true;
        }
    }
    auto decoded = decode_base64(token);
    if (!decoded) {
        return false;
    }
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) {
        return false;
    }
    const std::string user = decoded->substr(0, colon);
    const std::string password = decoded->substr(colon + 1);
    auto it = users_.find(user);
    // An unknown user costs a bcrypt too (against a configured hash, so at its cost): the
    // answer's time does not tell which user names exist.
    const std::string& hash = it != users_.end() ? it->second : users_.begin()->second;
    // crypt_r's state is large: on the heap, one per call (checks run on several threads).
    auto data = std::make_unique<crypt_data>();
    const char* hashed = crypt_r(password.c_str(), hash.c_str(), data.get());
    if (it == users_.end() || hashed == nullptr || hashed[0] == '*' ||
        !equal_constant_time(hashed, hash)) {
        return false;
    }
    std::lock_guard lock(mutex_);
    if (passed_.size() >= 64) {
        passed_.clear();
    }
    passed_.emplace(token);
    return true;
}

}  // namespace portwatch::app
