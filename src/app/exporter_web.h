#pragma once
// The web-config file Prometheus exporters share (the exporter-toolkit format), the part
// portwatch supports: TLS (tls_server_config: cert_file, key_file) and basic auth
// (basic_auth_users: name -> bcrypt hash). Hashes are checked with crypt(3) from libxcrypt,
// which handles bcrypt ($2a$, $2b$, $2y$) on Debian 12; other tls_server_config keys
// (client certificates, versions, ciphers) are refused rather than ignored.

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "core/result.h"

namespace portwatch::app {

struct WebConfig {
    std::string cert_file, key_file;           // both set: serve TLS
    std::map<std::string, std::string> users;  // name -> bcrypt hash; empty: no auth
    bool tls() const { return !cert_file.empty(); }
};

// Parses the file's text (YAML, the subset the format uses: two levels of `key: value`,
// comments, quoted values). `where` names the file in errors.
Result<WebConfig> parse_web_config(std::string_view text, std::string_view where);
Result<WebConfig> read_web_config(const std::string& path);

// Checks an Authorization header against the users. bcrypt is slow on purpose: a header that
// passed is remembered (at most 64), as the exporter toolkit does. Thread-safe.
class BasicAuth {
  public:
    explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}
    bool enabled() const { return !users_.empty(); }
    bool check(std::string_view authorization);

  private:
    std::map<std::string, std::string> users_;
    std::mutex mutex_;
    std::set<std::string> passed_;
};

// RFC 4648 base64, padding required; nullopt-like empty Result error on bad input.
Result<std::string> decode_base64(std::string_view text);

}  // namespace portwatch::app
