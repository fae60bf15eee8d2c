// Capture parsing throughput: writes a Windows `netstat -anobq` capture of N socket rows (with
// the -b owner lines real captures carry: none after TIME_WAIT rows, " [exe]" or a service and
// " [exe]" after the others), times `wc -l` on it, then times portwatch's reader on the same
// file, on one core. Prints both line counts and rates side by side, and the peak RSS.
//
//   capture_bench [SOCKET_ROWS=1000000] [FILE=/tmp/portwatch-capture-bench.txt]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "capture/capture.h"

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t write_capture(const std::string& path, std::uint64_t rows) {
    std::ofstream out(path, std::ios::binary);
    std::uint64_t lines = 0;
    auto line = [&](const std::string& text) {
        out << text << "\r\n";
        ++lines;
    };
    line("");
    line("Active Connections");
    line("");
    line("  Proto  Local Address          Foreign Address        State           PID");
    char buf[160];
    for (std::uint64_t i = 0; i < rows; ++i) {
        unsigned a = 10 + static_cast<unsigned>(i / 16384 % 200);
        unsigned port = 49152 + static_cast<unsigned>(i % 16384);
        switch (i % 4) {
            case 0:
            case 1:
                std::snprintf(buf, sizeof buf,
                              "  TCP    10.0.%u.5:%-10u 10.20.0.40:1433        TIME_WAIT       0",
                              a, port);
                line(buf);
                break;
            case 2:
                std::snprintf(
                    buf, sizeof buf,
                    "  TCP    10.0.%u.5:%-10u 10.20.0.77:8443        CLOSE_WAIT      2288", a,
                    port);
                line(buf);
                line(" [javaw.exe]");
                break;
            default:
                std::snprintf(
                    buf, sizeof buf,
                    "  TCP    10.0.%u.5:%-10u 10.20.0.40:1433        ESTABLISHED     5120", a,
                    port);
                line(buf);
                line("  W3SVC");
                line(" [w3wp.exe]");
                break;
        }
    }
    return lines;
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    std::string path = argc > 2 ? argv[2] : "/tmp/portwatch-capture-bench.txt";
    std::uint64_t written = write_capture(path, rows);

    auto t0 = Clock::now();
    std::string wc_cmd = "wc -l < '" + path + "'";
    FILE* pipe = popen(wc_cmd.c_str(), "r");
    unsigned long long wc_lines = 0;
    if (pipe == nullptr || std::fscanf(pipe, "%llu", &wc_lines) != 1) {
        std::cerr << "capture_bench: wc -l failed\n";
        return 1;
    }
    pclose(pipe);
    double wc_s = seconds_since(t0);

    portwatch::capture::CaptureOptions options;
    options.max_sockets = rows;  // the bench measures the parser, not the analyze bound
    std::ifstream in(path, std::ios::binary);
    auto t1 = Clock::now();
    auto capture = portwatch::capture::read_capture(in, path, options);
    double parse_s = seconds_since(t1);
    if (!capture) {
        std::cerr << "capture_bench: " << capture.error().message << '\n';
        return 1;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::size_t sockets = 0;
    for (const auto& s : capture->snapshots) {
        sockets += s.snapshot.sockets.size();
    }
    std::printf("file            %s (%llu bytes)\n", path.c_str(),
                static_cast<unsigned long long>(capture->stats.bytes));
    std::printf("wc -l           %llu lines in %.3f s\n", wc_lines, wc_s);
    std::printf("portwatch       %llu lines (%zu sockets, %llu unrecognised) in %.3f s\n",
                static_cast<unsigned long long>(capture->stats.lines), sockets,
                static_cast<unsigned long long>(capture->stats.unrecognised), parse_s);
    std::printf("throughput      %.2f million lines/s (%.0f MB/s) on one core\n",
                capture->stats.lines / parse_s / 1e6, capture->stats.bytes / parse_s / 1e6);
    std::printf("peak RSS        %.1f MiB (all %zu sockets kept in memory)\n",
                usage.ru_maxrss / 1024.0, sockets);
    if (capture->stats.lines != wc_lines || wc_lines != written) {
        std::fprintf(stderr, "capture_bench: line counts differ (written %llu)\n",
                     static_cast<unsigned long long>(written));
        return 1;
    }
    return 0;
}
