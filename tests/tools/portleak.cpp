// portleak: a steady port leak for the monitor's kernel test. In the current network namespace
// it listens on 127.0.0.1:PORT (a forked server that accepts and holds every connection), then
// opens one connection every 1/RATE seconds and never closes it, until connect() fails: then it
// writes "<epoch ms> <errno>" to RESULT_FILE and holds everything until killed (or TIMEOUT s).
//
//   portleak RESULT_FILE RATE TIMEOUT [PORT]       (the process is named "pwleak")

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "portleak: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: portleak RESULT_FILE RATE TIMEOUT [PORT]\n");
        return 2;
    }
    const char* result = argv[1];
    const double rate = std::atof(argv[2]);
    const unsigned timeout = static_cast<unsigned>(std::atoi(argv[3]));
    const int port = argc > 4 ? std::atoi(argv[4]) : 9000;
    if (rate <= 0 || timeout == 0) {
        std::fprintf(stderr, "portleak: RATE and TIMEOUT must be positive\n");
        return 2;
    }
    prctl(PR_SET_NAME, "pwleak");
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(timeout);  // bounded whatever happens
    rlimit files{65536, 65536};
    setrlimit(RLIMIT_NOFILE, &files);

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in at = loopback(port);
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
        listen(listener, 4096) != 0) {
        die("listen");
    }
    pid_t server = fork();
    if (server < 0) {
        die("fork");
    }
    if (server == 0) {
        prctl(PR_SET_NAME, "pwleak-server");
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            if (accept(listener, nullptr, nullptr) < 0 && errno != EINTR) {
                pause();
            }
        }
    }
    close(listener);
    const auto step = std::chrono::duration<double>(1.0 / rate);
    const auto start = std::chrono::steady_clock::now();
    for (long n = 0;; ++n) {
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<std::chrono::nanoseconds>(step * n));
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            die("socket");
        }
        sockaddr_in to = loopback(port);
        if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
            const int error = errno;
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
            FILE* f = std::fopen(result, "w");
            if (f == nullptr) {
                die("result file");
            }
            std::fprintf(f, "%lld %d %ld\n", static_cast<long long>(ms), error, n);
            std::fclose(f);
            for (;;) {
                pause();  // hold the ports until killed
            }
        }
    }
}
