// The exporter's HTTP server on loopback, attacked with raw sockets: bad paths, huge headers,
// slowloris clients and hundreds of idle connections must neither block a scrape nor crash
// it; concurrent scrapes share one snapshot; basic auth with a real bcrypt hash; TLS.

#include <arpa/inet.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/exporter_command.h"
#include "app/exporter_server.h"
#include "app/exporter_web.h"
#include "core/clock.h"
#include "export/scrape_cache.h"
#include "sys/unique_fd.h"

namespace portwatch::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A connection to 127.0.0.1:port from `from` (host order; 0: the kernel's choice, 127.0.0.1).
sys::UniqueFd connect_to(int port, std::uint32_t from = 0) {
    sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (from != 0) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(from);
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            return sys::UniqueFd();
        }
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        return sys::UniqueFd();
    }
    return fd;
}

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Everything the server sends until it closes or `timeout` passes.
std::string read_all(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    char buf[65536];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left <= 0ms) {
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// Whether the server closed the connection within `timeout` (EOF or reset).
bool closed_within(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    char buf[4096];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left <= 0ms) {
            return false;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        if (::recv(fd, buf, sizeof buf, 0) <= 0) {
            return true;
        }
    }
}

struct Scrape {
    std::string response;
    std::chrono::milliseconds took{};
};

Scrape scrape(int port, std::string_view extra_headers = "", std::uint32_t from = 0) {
    const auto start = Clock::now();
    auto fd = connect_to(port, from);
    send_all(fd.get(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                           std::string(extra_headers) + "\r\n");
    Scrape s;
    s.response = read_all(fd.get(), 30s);
    s.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return s;
}

// An exporter on 127.0.0.1:<any> serving a scripted namespace.
class Served {
  public:
    explicit Served(ServerLimits limits, WebConfig web = {}, std::chrono::milliseconds take = 0ms)
        : cache_(
              [this, take]() -> Result<std::vector<live::ScopeSample>> {
                  ++samples_;
                  std::this_thread::sleep_for(take);
                  std::vector<live::ScopeSample> s(1);
                  s[0].report.netns_name = "blue";
                  s[0].report.range_size = 1000;
                  return s;
              },
              {}, core::system_clock(), exporter::ScrapeOptions{}),
          auth_(web.users) {
        auto made = ExporterServer::create(
            "127.0.0.1", 0, web, limits,
            [this](const HttpRequest& r) { return exporter_response(r, cache_, auth_); });
        EXPECT_TRUE(made.has_value()) << (made ? "" : made.error().message);
        server_ = std::move(*made);
        thread_ = std::thread([this] { server_->serve(); });
        // serve() listens on the bound socket at once; wait until it answers.
        for (int i = 0; i < 100 && !healthy(); ++i) {
            std::this_thread::sleep_for(10ms);
        }
    }
    ~Served() {
        server_->stop();
        thread_.join();
    }
    int port() const { return server_->port(); }
    int samples() const { return samples_; }
    bool healthy() {
        auto fd = connect_to(port());
        if (!fd) {
            return false;
        }
        send_all(fd.get(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return read_all(fd.get(), 2s).find("\r\n\r\nok\n") != std::string::npos;
    }

  private:
    std::atomic<int> samples_{0};
    exporter::ScrapeCache cache_;
    BasicAuth auth_;
    std::unique_ptr<ExporterServer> server_;
    std::thread thread_;
};

// Deadlines alone (no cap per client address): the attacks below come from the scraper's own
// address, which a cap would refuse outright.
ServerLimits tight() {
    ServerLimits l;
    l.workers = 4;
    l.request_timeout = 1000ms;
    l.idle_timeout = 500ms;
    l.per_address = 0;
    return l;
}

constexpr std::uint32_t kOtherAddress = 0x7f000002;  // 127.0.0.2

TEST(ExporterHttp, ServesMetricsHealthIndexAndRefusesBadPaths) {
    Served s(tight());
    const auto m = scrape(s.port());
    EXPECT_NE(m.response.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_NE(m.response.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(m.response.find("portwatch_ephemeral_range_ports{netns=\"blue\"} 1000"),
              std::string::npos);
    const auto om = scrape(s.port(), "Accept: application/openmetrics-text;version=1.0.0\r\n");
    EXPECT_NE(om.response.find("application/openmetrics-text"), std::string::npos);
    EXPECT_TRUE(om.response.ends_with("# EOF\n"));
    for (const char* bad : {"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                            "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx",
                            "BREW /metrics HTCPCP/1.0\r\n\r\n", "\x16\x03\x01garbage\r\n\r\n"}) {
        auto fd = connect_to(s.port());
        send_all(fd.get(), bad);
        const std::string r = read_all(fd.get(), 3s);
        EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 4")) << bad << " -> " << r;
    }
    auto fd = connect_to(s.port());
    send_all(fd.get(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(read_all(fd.get(), 3s).find("/metrics"), std::string::npos);
    EXPECT_TRUE(s.healthy());
}

TEST(ExporterHttp, HugeHeadersAndBodiesAreRefused) {
    Served s(tight());
    {
        auto fd = connect_to(s.port());
        send_all(fd.get(), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                               std::string(1 << 20, 'a') + "\r\n\r\n");
        const std::string r = read_all(fd.get(), 3s);
        EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 4")) << r.substr(0, 100);
    }
    {
        // Many header lines, each short: the request deadline ends it.
        auto fd = connect_to(s.port());
        std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 20000; ++i) {
            head += "X-" + std::to_string(i) + ": y\r\n";
        }
        send_all(fd.get(), head);
        EXPECT_TRUE(closed_within(fd.get(), 3s));
    }
    {
        auto fd = connect_to(s.port());
        // A body over the limit (4 KiB) is refused before it is read.
        send_all(fd.get(),
                 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
        const std::string r = read_all(fd.get(), 3s);
        EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 413")) << r.substr(0, 100);
    }
    EXPECT_TRUE(s.healthy());
}

TEST(ExporterHttp, SlowlorisDoesNotBlockAScrape) {
    Served s(tight());
    // Many more slow clients than workers, each trickling a header byte every 100 ms: per-read
    // timeouts alone would keep them forever.
    std::vector<sys::UniqueFd> slow;
    for (int i = 0; i < 20; ++i) {
        slow.push_back(connect_to(s.port()));
        send_all(slow.back().get(), "GET /metrics HTTP/1.1\r\n");
    }
    std::atomic<bool> stop{false};
    std::thread trickle([&] {
        while (!stop) {
            for (auto& fd : slow) {
                send_all(fd.get(), "X");
            }
            std::this_thread::sleep_for(100ms);
        }
    });
    std::this_thread::sleep_for(300ms);
    const auto m = scrape(s.port());
    stop = true;
    trickle.join();
    EXPECT_NE(m.response.find("HTTP/1.1 200"), std::string::npos);
    // At most one request deadline for a worker to free up, plus the scrape.
    EXPECT_LT(m.took, 2500ms);
    // And every slow client is cut off at its deadline once a worker takes it: 20 of them on
    // 4 workers with a 1 s deadline are all gone within about 5 s.
    std::vector<pollfd> fds;
    for (auto& fd : slow) {
        fds.push_back({fd.get(), POLLIN, 0});
    }
    int cut = 0;
    const auto deadline = Clock::now() + 15s;
    while (cut < 20 && Clock::now() < deadline) {
        ::poll(fds.data(), fds.size(), 100);
        for (auto& p : fds) {
            char buf[256];
            if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) {
                p.fd = -1;  // closed by the server
                ++cut;
            }
        }
    }
    EXPECT_EQ(cut, 20);
    EXPECT_TRUE(s.healthy());
}

TEST(ExporterHttp, HundredsOfIdleConnectionsDoNotBlockAScrape) {
    Served s(tight());
    std::vector<sys::UniqueFd> idle;
    for (int i = 0; i < 300; ++i) {
        idle.push_back(connect_to(s.port()));
        ASSERT_TRUE(idle.back()) << "connection " << i << " refused";
    }
    std::this_thread::sleep_for(200ms);
    const auto m = scrape(s.port());
    EXPECT_NE(m.response.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_LT(m.took, 2500ms);
    EXPECT_TRUE(s.healthy());
}

// One address holding idle connections gets `per_address` workers, no more: the rest of its
// connections are closed at once, and a scrape from another address is served at once instead
// of after a request deadline (without the cap every worker would wait out that deadline).
TEST(ExporterHttp, IdleConnectionsFromOneAddressAreCappedAndAnotherAddressScrapes) {
    ServerLimits limits = tight();
    limits.per_address = 2;
    limits.request_timeout = 3000ms;
    Served s(limits);
    std::vector<sys::UniqueFd> idle;
    for (int i = 0; i < 50; ++i) {
        idle.push_back(connect_to(s.port()));
        ASSERT_TRUE(idle.back()) << "connection " << i << " refused";
    }
    std::vector<pollfd> fds;
    for (auto& fd : idle) {
        fds.push_back({fd.get(), POLLIN, 0});
    }
    int cut = 0;
    for (const auto deadline = Clock::now() + 1500ms; Clock::now() < deadline;) {
        ::poll(fds.data(), fds.size(), 100);
        for (auto& p : fds) {
            char buf[256];
            if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) {
                p.fd = -1;
                ++cut;
            }
        }
    }
    // Two held (their request deadline is 3 s away), the other 48 closed.
    EXPECT_EQ(cut, 48);
    const auto other = scrape(s.port(), "", kOtherAddress);
    EXPECT_NE(other.response.find("HTTP/1.1 200"), std::string::npos) << other.response;
    EXPECT_LT(other.took, 1000ms);
    // The capped address itself is refused while it holds its two...
    EXPECT_EQ(scrape(s.port()).response, "");
    // ... and served again once the server has cut them at their deadline.
    idle.clear();
    std::this_thread::sleep_for(200ms);
    EXPECT_NE(scrape(s.port()).response.find("HTTP/1.1 200"), std::string::npos);
}

TEST(ExporterHttp, ConcurrentScrapesShareOneSnapshot) {
    ServerLimits limits = tight();
    limits.workers = 16;
    Served s(limits, {}, 400ms);
    std::vector<std::thread> scrapers;
    std::atomic<int> ok{0};
    for (int i = 0; i < 10; ++i) {
        scrapers.emplace_back([&] {
            if (scrape(s.port()).response.find("HTTP/1.1 200") != std::string::npos) {
                ++ok;
            }
        });
    }
    for (auto& t : scrapers) {
        t.join();
    }
    EXPECT_EQ(ok.load(), 10);
    EXPECT_EQ(s.samples(), 1);
}

std::string bcrypt(const char* password) {
    crypt_data data{};
    // A fixed salt at cost 5: the test is about the check, not the cost.
    const char* h = crypt_r(password, "$2b$05$abcdefghijklmnopqrstuu", &data);
    return h != nullptr ? h : "";
}

std::string basic(std::string_view user_password) {
    static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < user_password.size(); i += 3) {
        const auto n = (std::uint32_t(std::uint8_t(user_password[i])) << 16) |
                       (std::uint32_t(std::uint8_t(user_password[i + 1])) << 8) |
                       std::uint8_t(user_password[i + 2]);
        out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], k[n & 63]};
    }
    if (user_password.size() - i == 1) {
        const auto n = std::uint32_t(std::uint8_t(user_password[i])) << 16;
        out += {k[n >> 18], k[(n >> 12) & 63], '=', '='};
    } else if (user_password.size() - i == 2) {
        const auto n = (std::uint32_t(std::uint8_t(user_password[i])) << 16) |
                       (std::uint32_t(std::uint8_t(user_password[i + 1])) << 8);
        out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], '='};
    }
    return "Authorization: Basic " + out + "\r\n";
}

TEST(ExporterWeb, ParsesTheToolkitFormat) {
    const std::string hash = bcrypt("secret");
    ASSERT_EQ(hash.size(), 60u);
    auto c = parse_web_config(
        "# portwatch\ntls_server_config:\n  cert_file: /a.crt\n"
        "  key_file: \"/a.key\"  # the key\nbasic_auth_users:\n  alice: '" +
            hash + "'\n",
        "web.yml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->cert_file, "/a.crt");
    EXPECT_EQ(c->key_file, "/a.key");
    EXPECT_EQ(c->users.at("alice"), hash);
    EXPECT_FALSE(parse_web_config("basic_auth_users:\n  bob: plaintext\n", "w"));
    EXPECT_FALSE(parse_web_config(
        "tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n", "w"));
    EXPECT_FALSE(parse_web_config("tls_server_config:\n  cert_file: /a.crt\n", "w"));
    EXPECT_FALSE(parse_web_config("listen: 1\n", "w"));
    EXPECT_EQ(*decode_base64("YWxpY2U6c2VjcmV0"), "alice:secret");
    EXPECT_FALSE(decode_base64("YWxp!2U6"));
}

TEST(ExporterWeb, BasicAuthWithBcrypt) {
    WebConfig web;
    web.users["alice"] = bcrypt("secret");
    Served s(tight(), web);
    EXPECT_NE(scrape(s.port()).response.find("HTTP/1.1 401"), std::string::npos);
    EXPECT_NE(scrape(s.port(), basic("alice:wrong")).response.find("HTTP/1.1 401"),
              std::string::npos);
    EXPECT_NE(scrape(s.port(), basic("mallory:secret")).response.find("HTTP/1.1 401"),
              std::string::npos);
    const auto ok = scrape(s.port(), basic("alice:secret"));
    EXPECT_NE(ok.response.find("HTTP/1.1 200"), std::string::npos) << ok.response.substr(0, 200);
    EXPECT_NE(ok.response.find("portwatch_build_info"), std::string::npos);
}

// What the handler does not answer is 404 with "404\n" (another path, another method), HEAD
// gets GET's head without its body, and a refused login says how to log in.
TEST(ExporterHttp, StatusesAndHead) {
    auto ask = [](int port, const std::string& request) {
        auto fd = connect_to(port);
        send_all(fd.get(), request);
        return read_all(fd.get(), 3s);
    };
    {
        Served s(tight());
        for (const char* r : {"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                              "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                              "Content-Length: 1\r\n\r\nx",
                              "DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
            const std::string got = ask(s.port(), r);
            EXPECT_TRUE(got.starts_with("HTTP/1.1 404")) << r << " -> " << got;
            EXPECT_TRUE(got.ends_with("\r\n\r\n404\n")) << r << " -> " << got;
        }
        const std::string head =
            ask(s.port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
        EXPECT_NE(head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << head;
        EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
        EXPECT_EQ(head.find("portwatch_"), std::string::npos) << head;
    }
    WebConfig web;
    web.users["alice"] = bcrypt("secret");
    Served s(tight(), web);
    const std::string refused =
        ask(s.port(), "POST /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(refused.starts_with("HTTP/1.1 401")) << refused;
    EXPECT_NE(refused.find("WWW-Authenticate: Basic realm=\"portwatch\""), std::string::npos);
    EXPECT_TRUE(refused.ends_with("unauthorized\n")) << refused;
}

TEST(ExporterWeb, ServesTls) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("portwatch-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string crt = (dir / "c.pem").string(), key = (dir / "k.pem").string();
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-keyout " +
        key + " -out " + crt + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
    WebConfig web;
    web.cert_file = crt;
    web.key_file = key;
    {
        Served s(tight(), web);
        httplib::SSLClient client("127.0.0.1", s.port());
        client.enable_server_certificate_verification(false);
        auto res = client.Get("/metrics");
        ASSERT_TRUE(res) << httplib::to_string(res.error());
        EXPECT_EQ(res->status, 200);
        EXPECT_NE(res->body.find("portwatch_ephemeral_range_ports"), std::string::npos);
        // A client that opens TLS and never finishes the handshake is cut off at the deadline.
        auto fd = connect_to(s.port());
        send_all(fd.get(), "\x16\x03\x01");
        EXPECT_TRUE(closed_within(fd.get(), 3s));
        // Plain HTTP to a TLS port is no request.
        auto plain = connect_to(s.port());
        send_all(plain.get(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(read_all(plain.get(), 3s).find("portwatch_"), std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST(ExporterCli, ListenAddresses) {
    EXPECT_EQ(*parse_listen("127.0.0.1:10130"), (std::pair<std::string, int>{"127.0.0.1", 10130}));
    EXPECT_EQ(*parse_listen(":9"), (std::pair<std::string, int>{"0.0.0.0", 9}));
    EXPECT_EQ(*parse_listen("[::1]:10130"), (std::pair<std::string, int>{"::1", 10130}));
    EXPECT_FALSE(parse_listen("::1:10130"));
    EXPECT_FALSE(parse_listen("127.0.0.1"));
    EXPECT_FALSE(parse_listen("127.0.0.1:70000"));
    EXPECT_FALSE(parse_listen("127.0.0.1:x"));
}

}  // namespace
}  // namespace portwatch::app
