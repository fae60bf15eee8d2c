#pragma once
// The exporter's HTTP(S) server: cpp-httplib's routing with portwatch's own connection
// handling, so that no client can hold the server:
//  - each request (its head, body and the response) has one deadline (`request_timeout`):
//    a slowloris client trickling a byte a second is cut off there, not at the per-read
//    timeout cpp-httplib 0.11 would restart on every byte;
//  - a connection waits at most `idle_timeout` for its next request, `keep_alive_max` at most;
//  - request heads over 8 KiB a line and bodies over `max_body` are refused;
//  - `workers` threads serve connections, newest first (LIFO): a scrape that arrives after a
//    flood of idle or slow connections waits for one worker to free up (at most one deadline),
//    not for the whole flood; the listen backlog is raised from cpp-httplib's 5;
//  - one client address holds at most `per_address` connections (IPv4-mapped IPv6 counts as
//    IPv4): its next one is closed as soon as a worker takes it, so hundreds of idle
//    connections from one host tie up that many workers, not all of them, and a scraper
//    elsewhere is served at once;
//  - TLS (OpenSSL) with the handshake under the same deadline.
//
// The server is built as a module of its own (portwatch-http.so: this interface, cpp-httplib
// and OpenSSL), which only `portwatch exporter` loads (app/exporter_module.h): loading those
// libraries cost every other command ~8 ms at start, half of `portwatch --version`. Nothing
// here names a cpp-httplib type, so the binary does not link it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/exporter_web.h"
#include "core/result.h"
#include "core/text.h"

namespace portwatch::app {

// The default cap on one client address's open connections (--max-connections-per-ip): a
// Prometheus server keeps one connection per target; a few for HA pairs behind one NAT.
inline constexpr std::size_t kDefaultPerAddress = 4;

struct ServerLimits {
    std::size_t workers = 16;
    // Connections one client address may hold open at once; 0: no cap. Below `workers`, so
    // that no one address can take every worker.
    std::size_t per_address = kDefaultPerAddress;
    std::chrono::milliseconds request_timeout{10000};
    std::chrono::milliseconds idle_timeout{2000};
    std::size_t keep_alive_max = 20;
    std::size_t max_body = 4096;
    int backlog = 1024;
};

// One request as the handler sees it: the method, the path (without the query) and the
// header fields.
struct HttpRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    // The first value of a header field, by name in any case; "" when absent.
    std::string header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (core::iequals(key, name)) {
                return value;
            }
        }
        return {};
    }
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Answers every request, whatever its method; nullopt: no such resource (404). A response
// with a status of 400 or more and no body gets "<status>\n", as do the server's own
// refusals (a bad request, a body or head too long). HEAD gets the GET answer's head.
using HttpHandler = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

class ExporterServer {
  public:
    // Binds host:port (port 0: any free one) and sets the server up (TLS when `web` has a
    // certificate); `handler` answers the requests, on the server's worker threads.
    static Result<std::unique_ptr<ExporterServer>> create(const std::string& host, int port,
                                                          const WebConfig& web,
                                                          const ServerLimits& limits,
                                                          HttpHandler handler);
    virtual ~ExporterServer() = default;
    virtual int port() const = 0;
    virtual bool serve() = 0;  // until stop(); false when the listener failed
    virtual void stop() = 0;   // from any thread
};

using ExporterServerFactory = Result<std::unique_ptr<ExporterServer>> (*)(
    const std::string& host, int port, const WebConfig& web, const ServerLimits& limits,
    HttpHandler handler);

// The module's one entry point, found by dlsym under this name (extern "C"): it returns
// ExporterServer::create. The version in its name changes with this interface.
inline constexpr const char* kHttpModuleEntry = "portwatch_http_server_v1";

}  // namespace portwatch::app
