// The history store's cost at a given churn: synthetic events through SqliteStore::record()
// as a monitor would hand them over (a batch per 100 ms poll, per-minute rollups, retention
// off), timed with the simulated clock driving the 1 s commits. Prints the write throughput
// (events/s of wall time), the CPU share the rate costs, and the database's growth per hour
// extrapolated from the measured file size.
//
// usage: history_bench [--rate 1000] [--minutes 10] [--states] [--db PATH]
//   --rate     connections per second (each: a port taken and released)
//   --minutes  simulated minutes to write (the growth is extrapolated to an hour)
//   --states   also record two state changes per connection (ESTABLISHED, TIME_WAIT)
//   --db       where to write (default: a file under /tmp, removed at the end)

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "store/paths.h"
#include "store/sqlite_store.h"

using namespace portwatch;

namespace {

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](timeval t) { return t.tv_sec + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

bool parse_int(const char* text, long& out) {
    auto [end, ec] = std::from_chars(text, text + std::strlen(text), out);
    return ec == std::errc() && *end == '\0' && out > 0;
}

core::Endpoint endpoint(std::uint32_t v4, std::uint16_t port) {
    core::Endpoint e;
    char text[32];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255,
                  v4 & 255);
    e.address = *core::IpAddress::parse(text);
    e.port = port;
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    long rate = 1000, minutes = 10;
    bool states = false;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--rate" && i + 1 < argc && parse_int(argv[i + 1], rate)) {
            ++i;
        } else if (a == "--minutes" && i + 1 < argc && parse_int(argv[i + 1], minutes)) {
            ++i;
        } else if (a == "--states") {
            states = true;
        } else if (a == "--db" && i + 1 < argc) {
            path = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: history_bench [--rate N] [--minutes N] [--states] [--db PATH]\n");
            return 2;
        }
    }
    const bool temporary = path.empty();
    if (temporary) {
        path = "/tmp/portwatch-history-bench-" + std::to_string(::getpid()) + ".db";
    }
    core::FixedClock clock(core::TimePoint(std::chrono::seconds(1764583200)));
    auto db = store::open_history(path, store::OpenMode::ReadWrite);
    if (!db) {
        std::fprintf(stderr, "history_bench: %s\n", db.error().message.c_str());
        return 1;
    }
    auto store = store::SqliteStore::create(std::move(*db), clock);
    if (!store) {
        std::fprintf(stderr, "history_bench: %s\n", store.error().message.c_str());
        return 1;
    }
    // 50 processes, 500 destinations, ports walking the default range; 1 % of connects fail.
    std::vector<core::Maker> makers(50);
    for (std::size_t i = 0; i < makers.size(); ++i) {
        makers[i] = {static_cast<std::int32_t>(1000 + i), "worker-" + std::to_string(i), 4000 + i,
                     1764500000};
    }
    std::vector<core::Endpoint> remotes;
    for (std::uint32_t i = 0; i < 500; ++i) {
        remotes.push_back(
            endpoint(0x0a000000u + 0x100u + i, static_cast<std::uint16_t>(443 + i % 3)));
    }
    const core::Endpoint local = endpoint(0x0a000001u, 0);

    const long polls = minutes * 60 * 10;  // 100 ms each
    const long per_poll = rate / 10;
    std::uint64_t events = 0, connection = 0;
    double write_seconds = 0;
    const double cpu_before = cpu_seconds();
    core::EventBatch batch;
    for (long poll = 0; poll < polls; ++poll) {
        batch.clear();
        const core::TimePoint now = clock.now();
        for (long c = 0; c < per_poll; ++c, ++connection) {
            core::PortEvent e;
            e.at = now;
            e.local = local;
            e.local.port = static_cast<std::uint16_t>(32768 + connection % 28232);
            e.remote = remotes[connection % remotes.size()];
            e.cookie = (1ull << 32) + connection;  // kernel cookies are large numbers
            e.netns = 4026531840;
            e.maker = makers[connection % makers.size()];
            e.maker_exact = true;
            e.from = core::TcpState::Close;
            e.to = core::TcpState::SynSent;
            batch.ports.push_back(e);
            if (states) {
                e.kind = core::PortEventKind::StateChanged;
                e.from = core::TcpState::SynSent;
                e.to = core::TcpState::Established;
                batch.ports.push_back(e);
                e.from = core::TcpState::Established;
                e.to = core::TcpState::TimeWait;
                batch.ports.push_back(e);
            }
            e.kind = core::PortEventKind::Closed;  // its release (60 s later in life)
            e.from = core::TcpState::TimeWait;
            e.to = core::TcpState::Close;
            batch.ports.push_back(e);
            if (connection % 100 == 99) {
                core::FailedAllocation f;
                f.at = now;
                f.call = "connect";
                f.error = 99;
                f.remote = e.remote;
                f.maker = e.maker;
                batch.failures.push_back(f);
            }
        }
        events += batch.ports.size() + batch.failures.size();
        auto t0 = std::chrono::steady_clock::now();
        auto ok = store->record(batch);
        if (ok && poll % 600 == 599) {  // a minute's rollups: 20 pools, 50 processes
            std::vector<store::PoolSample> pools(20);
            for (std::size_t i = 0; i < pools.size(); ++i) {
                pools[i] = {now,
                            "tcp-connect 10.0.0.1 -> pool" + std::to_string(i),
                            "tcp-connect",
                            4026531840,
                            28232,
                            12000,
                            100,
                            11800,
                            0,
                            100,
                            "OK",
                            std::nullopt};
            }
            std::vector<store::ProcessSample> procs(makers.size());
            for (std::size_t i = 0; i < procs.size(); ++i) {
                procs[i].at = now;
                procs[i].pid = makers[i].pid;
                procs[i].name = makers[i].comm;
                procs[i].ports = 1200;
                procs[i].top_destination = "10.0.1.1:443";
            }
            ok = store->record_minute(pools, procs);
        }
        write_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!ok) {
            std::fprintf(stderr, "history_bench: %s\n", ok.error().message.c_str());
            return 1;
        }
        clock.set(now + std::chrono::milliseconds(100));
    }
    auto t0 = std::chrono::steady_clock::now();
    if (auto ok = store->flush(); !ok) {
        std::fprintf(stderr, "history_bench: %s\n", ok.error().message.c_str());
        return 1;
    }
    (void)store->db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    write_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu_before;
    const double simulated = minutes * 60.0;
    const auto bytes = std::filesystem::file_size(path);
    std::printf("history_bench: %ld connections/s for %ld simulated min, %s\n", rate, minutes,
                states ? "4 port events per connection (taken, 2 state changes, released)"
                       : "2 port events per connection (taken, released)");
    std::printf("  events written        %llu (%llu/s simulated)\n",
                static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(events / simulated));
    std::printf("  write time            %.2f s wall in record()/flush()\n", write_seconds);
    std::printf("  write throughput      %.0f events/s\n", events / write_seconds);
    std::printf("  CPU for the rate      %.1f %% of one core (generation included)\n",
                100.0 * cpu / simulated);
    std::printf("  database              %.1f MiB after %ld min (%.1f bytes/event)\n",
                bytes / 1048576.0, minutes, static_cast<double>(bytes) / events);
    std::printf("  growth per hour       %.0f MiB (extrapolated)\n",
                bytes / 1048576.0 * 3600.0 / simulated);
    if (temporary) {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::filesystem::remove(path + suffix);
        }
    }
    return 0;
}
