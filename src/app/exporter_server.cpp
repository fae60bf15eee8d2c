#include "app/exporter_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace portwatch::app {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Worker threads taking the newest connection first.
class LifoPool final : public httplib::TaskQueue {
  public:
    explicit LifoPool(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            threads_.emplace_back([this] { work(); });
        }
    }
    ~LifoPool() override { shutdown(); }
    void enqueue(std::function<void()> fn) override {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(std::move(fn));
        }
        ready_.notify_one();
    }
    void shutdown() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }

  private:
    void work() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) {
                    return;
                }
                fn = std::move(jobs_.back());
                jobs_.pop_back();
            }
            try {
                fn();
            } catch (...) {
                // A connection's failure must not take a worker with it.
            }
        }
    }
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

// The peer's address as 16 bytes, IPv4 as IPv4-mapped IPv6 (a dual-stack listener sees both
// spellings of one host); nullopt when the peer is gone.
std::optional<std::array<unsigned char, 16>> peer_address(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return std::nullopt;
    }
    std::array<unsigned char, 16> key{};
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        key[10] = key[11] = 0xff;
        std::memcpy(key.data() + 12, &a->sin_addr, 4);
    } else if (addr.ss_family == AF_INET6) {
        std::memcpy(key.data(), &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, 16);
    } else {
        return std::nullopt;
    }
    return key;
}

// Open connections per client address, capped. A Slot holds one for a connection's life.
class AddressCounts {
  public:
    using Key = std::array<unsigned char, 16>;
    explicit AddressCounts(std::size_t cap) : cap_(cap) {}
    class Slot {
      public:
        Slot(AddressCounts* owner, Key key) : owner_(owner), key_(key) {}
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() {
            if (owner_ != nullptr) {
                owner_->release(key_);
            }
        }

      private:
        AddressCounts* owner_;
        Key key_;
    };
    // A slot for this connection; nullopt when its address holds `cap` already. A connection
    // whose peer cannot be named (gone already) is not counted.
    std::optional<Slot> take(int fd) {
        if (cap_ == 0) {
            return std::optional<Slot>(std::in_place, nullptr, Key{});
        }
        const auto key = peer_address(fd);
        if (!key) {
            return std::optional<Slot>(std::in_place, nullptr, Key{});
        }
        std::lock_guard lock(mutex_);
        std::size_t& n = open_[*key];
        if (n >= cap_) {
            return std::nullopt;
        }
        ++n;
        return std::optional<Slot>(std::in_place, this, *key);
    }

  private:
    void release(const Key& key) {
        std::lock_guard lock(mutex_);
        auto it = open_.find(key);
        if (it != open_.end() && --it->second == 0) {
            open_.erase(it);
        }
    }
    std::size_t cap_;
    std::mutex mutex_;
    std::map<Key, std::size_t> open_;  // only addresses with a connection open
};

int remaining_ms(SteadyTime deadline, std::chrono::milliseconds cap) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp(left, std::chrono::milliseconds(0), cap).count());
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, SteadyTime deadline) {
    for (;;) {
        const int ms = remaining_ms(deadline, std::chrono::hours(1));
        if (ms <= 0) {
            return false;
        }
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, ms);
        if (n > 0) {
            return true;
        }
        if (n == 0 || errno != EINTR) {
            return false;
        }
    }
}

void endpoint_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                        : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (rc != 0) {
        return;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    ip = text;
}

// One connection as cpp-httplib's Stream: every read and write bounded by the request's
// deadline; plain or TLS (the socket is non-blocking either way).
class DeadlineStream final : public httplib::Stream {
  public:
    DeadlineStream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
    void set_deadline(SteadyTime d) { deadline_ = d; }
    bool buffered() const { return pos_ < buf_.size() || (ssl_ && SSL_pending(ssl_) > 0); }

    bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, deadline_); }
    bool is_writable() const override { return wait_for(fd_, POLLOUT, deadline_); }

    ssize_t read(char* ptr, size_t size) override {
        if (pos_ == buf_.size()) {
            buf_.resize(4096);
            pos_ = 0;
            const ssize_t n = fill();
            buf_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            if (n <= 0) {
                return n < 0 ? -1 : 0;
            }
        }
        const std::size_t n = std::min(size, buf_.size() - pos_);
        std::copy_n(buf_.data() + pos_, n, ptr);
        pos_ += n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* ptr, size_t size) override {
        std::size_t done = 0;
        while (done < size) {
            ssize_t n = 0;
            if (ssl_ != nullptr) {
                const int r = SSL_write(ssl_, ptr + done, static_cast<int>(size - done));
                if (r <= 0) {
                    const int e = SSL_get_error(ssl_, r);
                    const short ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
                        wait_for(fd_, ev, deadline_)) {
                        continue;
                    }
                    return -1;
                }
                n = r;
            } else {
                n = ::send(fd_, ptr + done, size - done, MSG_NOSIGNAL);
                if (n < 0) {
                    if ((errno == EAGAIN || errno == EINTR) && wait_for(fd_, POLLOUT, deadline_)) {
                        continue;
                    }
                    return -1;
                }
            }
            done += static_cast<std::size_t>(n);
        }
        return static_cast<ssize_t>(done);
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        endpoint_of(fd_, true, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        endpoint_of(fd_, false, ip, port);
    }
    socket_t socket() const override { return fd_; }

  private:
    // Reads what is there into buf_ (at most its size), waiting until the deadline.
    ssize_t fill() {
        for (;;) {
            if (ssl_ != nullptr) {
                const int r = SSL_read(ssl_, buf_.data(), static_cast<int>(buf_.size()));
                if (r > 0) {
                    return r;
                }
                const int e = SSL_get_error(ssl_, r);
                if (e == SSL_ERROR_ZERO_RETURN) {
                    return 0;
                }
                const short ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
                if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
                    wait_for(fd_, ev, deadline_)) {
                    continue;
                }
                return -1;
            }
            const ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), 0);
            if (n >= 0) {
                return n;
            }
            if ((errno == EAGAIN || errno == EINTR) && wait_for(fd_, POLLIN, deadline_)) {
                continue;
            }
            return -1;
        }
    }

    int fd_;
    SSL* ssl_;
    SteadyTime deadline_{};
    std::vector<char> buf_;
    std::size_t pos_ = 0;
};

struct SslCtxDeleter {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
    void operator()(SSL* s) const { SSL_free(s); }
};

class HardenedServer final : public httplib::Server, public ExporterServer {
  public:
    HardenedServer(const ServerLimits& limits, std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx)
        : limits_(limits), ctx_(std::move(ctx)), addresses_(limits.per_address) {
        const std::size_t workers = std::max<std::size_t>(1, limits.workers);
        new_task_queue = [workers] { return new LifoPool(workers); };
        set_payload_max_length(limits.max_body);
        set_keep_alive_max_count(limits.keep_alive_max);
        // What the Keep-Alive header announces; the wait itself is ours (idle_timeout).
        set_keep_alive_timeout(std::max<time_t>(
            1, std::chrono::duration_cast<std::chrono::seconds>(limits.idle_timeout).count()));
    }

    Result<void> bind(const std::string& host, int port) {
        port_ = port == 0 ? bind_to_any_port(host) : (bind_to_port(host, port) ? port : -1);
        if (port_ <= 0) {
            return make_error(ErrorKind::Io, "cannot listen on " + host + ":" +
                                                 std::to_string(port) +
                                                 " (in use, or not an address of this host)");
        }
        // cpp-httplib listens with a backlog of 5: a burst of connections would be refused
        // before a worker ever saw them.
        ::listen(svr_sock_, limits_.backlog);
        return {};
    }
    int port() const override { return port_; }
    bool serve() override { return listen_after_bind(); }
    void stop() override { httplib::Server::stop(); }

  private:
    bool process_and_close_socket(socket_t sock) override {
        // Over its address's cap: closed before anything is read, the worker free at once.
        const auto slot = addresses_.take(sock);
        if (!slot) {
            ::close(sock);
            return true;
        }
        const int flags = ::fcntl(sock, F_GETFL);
        ::fcntl(sock, F_SETFL, flags | O_NONBLOCK);
        std::unique_ptr<SSL, SslDeleter> ssl;
        const auto start = std::chrono::steady_clock::now();
        bool ok = true;
        if (ctx_) {
            ssl.reset(SSL_new(ctx_.get()));
            ok = ssl && SSL_set_fd(ssl.get(), sock) == 1 && handshake(ssl.get(), sock, start);
        }
        if (ok) {
            DeadlineStream stream(sock, ssl.get());
            for (std::size_t served = 0; served < limits_.keep_alive_max; ++served) {
                // The next request must start within the idle timeout (the first one too).
                if (!stream.buffered() &&
                    !wait_for(sock, POLLIN,
                              std::chrono::steady_clock::now() +
                                  (served == 0 ? limits_.request_timeout : limits_.idle_timeout))) {
                    break;
                }
                stream.set_deadline(std::chrono::steady_clock::now() + limits_.request_timeout);
                bool closed = false;
                const bool last = served + 1 == limits_.keep_alive_max;
                if (!process_request(stream, last, closed, [](httplib::Request&) {}) || closed) {
                    break;
                }
            }
            if (ssl) {
                SSL_shutdown(ssl.get());
            }
        }
        ssl.reset();
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
        return true;
    }

    bool handshake(SSL* ssl, int fd, SteadyTime start) const {
        const SteadyTime deadline = start + limits_.request_timeout;
        for (;;) {
            const int r = SSL_accept(ssl);
            if (r == 1) {
                return true;
            }
            const int e = SSL_get_error(ssl, r);
            if (e == SSL_ERROR_WANT_READ && wait_for(fd, POLLIN, deadline)) {
                continue;
            }
            if (e == SSL_ERROR_WANT_WRITE && wait_for(fd, POLLOUT, deadline)) {
                continue;
            }
            return false;
        }
    }

    ServerLimits limits_;
    std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
    AddressCounts addresses_;
    int port_ = -1;
};

Result<std::unique_ptr<SSL_CTX, SslCtxDeleter>> make_tls_context(const WebConfig& web) {
    std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        return make_error(ErrorKind::Internal, "TLS: cannot create a context");
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(),
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), web.cert_file.c_str()) != 1) {
        ERR_clear_error();
        return make_error("TLS: cannot use the certificate " + web.cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), web.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
        ERR_clear_error();
        return make_error("TLS: cannot use the key " + web.key_file +
                          " (unreadable, or not the certificate's)");
    }
    return ctx;
}

}  // namespace

Result<std::unique_ptr<ExporterServer>> ExporterServer::create(const std::string& host, int port,
                                                               const WebConfig& web,
                                                               const ServerLimits& limits,
                                                               HttpHandler handler) {
    std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx;
    if (web.tls()) {
        auto made = make_tls_context(web);
        if (!made) {
            return std::unexpected(made.error());
        }
        ctx = std::move(*made);
    }
    auto server = std::make_unique<HardenedServer>(limits, std::move(ctx));
    // Every request goes to the handler before cpp-httplib's routing, which has no routes:
    // what the handler does not answer ends there as 404.
    server->set_pre_routing_handler(
        [h = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
            HttpRequest request{req.method, req.path, {req.headers.begin(), req.headers.end()}};
            auto answer = h(request);
            if (!answer) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            res.status = answer->status;
            for (const auto& [name, value] : answer->headers) {
                res.set_header(name, value);
            }
            // What set_content() does, without its copy of the body (a scrape's metrics).
            res.body = std::move(answer->body);
            if (!answer->content_type.empty()) {
                res.set_header("Content-Type", answer->content_type);
            }
            return httplib::Server::HandlerResponse::Handled;
        });
    server->set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) {
            res.set_content(std::to_string(res.status) + "\n", "text/plain; charset=utf-8");
        }
    });
    if (auto bound = server->bind(host, port); !bound) {
        return std::unexpected(bound.error());
    }
    return server;
}

}  // namespace portwatch::app

extern "C" __attribute__((visibility("default"))) portwatch::app::ExporterServerFactory
portwatch_http_server_v1() {
    return &portwatch::app::ExporterServer::create;
}
