// The history store on a temporary file and on ":memory:": the schema and its migrations,
// what is recorded reads back through every question, batching, retention by age and by
// size, the filters, and failures as the monitor sees them (a locked database, a reader).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/history_query.h"
#include "store/history_series.h"
#include "store/paths.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
#include "unit/store/store_samples.h"

namespace portwatch::store {
namespace {

using testing::accepted;
using testing::at_s;
using testing::closed;
using testing::count_rows;
using testing::failed;
using testing::maker;
using testing::opened;
using testing::TempDir;

constexpr std::int64_t kT0 = 1764583200;  // 2025-12-01T10:00:00Z

SqliteStore make_store(const std::string& path, const core::Clock& clock, OpenOptions open = {}) {
    auto db = open_history(path, OpenMode::ReadWrite, open);
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    auto store = SqliteStore::create(std::move(*db), clock);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return std::move(*store);
}

// An in-memory store with a run of host web01 begun at kT0.
SqliteStore running_store(const core::Clock& clock, const std::string& source) {
    SqliteStore store = make_store(":memory:", clock);
    core::Snapshot start;
    start.taken_at = at_s(kT0);
    EXPECT_TRUE(store.begin_run({at_s(kT0), "web01", source, "", "0.1.0"}, start));
    return store;
}

Db reader(const std::string& path) {
    auto db = open_history(path, OpenMode::ReadOnly);
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    return std::move(*db);
}

TEST(Schema, MigrationsAreNumberedFromOneAndComeFromSchemaSql) {
    const auto& all = migrations();
    ASSERT_GE(all.size(), 2u);
    std::ifstream in(std::string(PORTWATCH_SOURCE_DIR) + "/src/store/schema.sql");
    std::stringstream file;
    file << in.rdbuf();
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].version, static_cast<int>(i) + 1);
        EXPECT_NE(file.str().find(all[i].sql), std::string::npos)
            << "migration " << all[i].version << " is not schema.sql's text";
        EXPECT_TRUE(all[i].sql.find("CREATE TABLE") != std::string_view::npos ||
                    all[i].sql.find("ALTER TABLE") != std::string_view::npos)
            << "migration " << all[i].version << " changes no table";
    }
    EXPECT_EQ(schema_version(), all.back().version);
}

TEST(Schema, NewDatabaseHasTheLatestVersionWalAndIncrementalVacuum) {
    TempDir dir;
    auto db = open_history(dir.file("h.db"), OpenMode::ReadWrite);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(*db->query_int("PRAGMA user_version"), schema_version());
    EXPECT_EQ(*db->query_int("PRAGMA auto_vacuum"), 2);  // INCREMENTAL
    EXPECT_EQ(*db->query_int("PRAGMA synchronous"), 1);  // NORMAL
    auto mode = db->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode);
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
    for (const char* table :
         {"runs", "makers", "start_sockets", "port_events", "process_events", "failures",
          "pool_minutes", "process_minutes", "crossings", "host_facts"}) {
        EXPECT_EQ(*db->query_int(std::string("SELECT COUNT(*) FROM sqlite_schema WHERE name = '") +
                                 table + "'"),
                  1)
            << table;
    }
}

TEST(Schema, InMemoryDatabaseWorks) {
    core::FixedClock clock(at_s(kT0));
    auto db = open_history(":memory:", OpenMode::ReadWrite);
    ASSERT_TRUE(db) << db.error().message;
    auto store = SqliteStore::create(std::move(*db), clock);
    ASSERT_TRUE(store) << store.error().message;
    core::EventBatch batch;
    batch.ports.push_back(opened(at_s(kT0), maker(7, "curl"), 40000, "10.0.0.2", 443));
    ASSERT_TRUE(store->record(batch));
    ASSERT_TRUE(store->flush());
    auto rows = ports_per_process(store->db(), {});
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].name, "curl");
}

TEST(Schema, OlderDatabaseIsMigratedKeepingItsRows) {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        auto db = Db::create(path, OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        ASSERT_TRUE(migrate(*db, 1));
        ASSERT_EQ(*db->query_int("PRAGMA user_version"), 1);
        ASSERT_TRUE(db->exec(
            "INSERT INTO makers (pid, name, unit, cgroup_id, start_time) VALUES (9, 'old', '', 0, "
            "0);"
            "INSERT INTO port_events (at, kind, protocol, from_state, to_state, local_addr, "
            "local_port, remote_addr, remote_port, cookie, netns, maker_id, exact) VALUES "
            "(1764583200000, 0, 0, 7, 2, '10.0.0.1', 40000, '10.0.0.9', 80, 1, 1, 1, 1)"));
        EXPECT_FALSE(db->query_int("SELECT COUNT(*) FROM crossings"));  // not there yet
    }
    // A reader does not upgrade; it says what to do.
    auto ro = open_history(path, OpenMode::ReadOnly);
    ASSERT_FALSE(ro);
    EXPECT_NE(ro.error().message.find("older history schema (version 1)"), std::string::npos)
        << ro.error().message;

    auto db = open_history(path, OpenMode::ReadWrite);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(*db->query_int("PRAGMA user_version"), schema_version());
    EXPECT_EQ(*db->query_int("SELECT COUNT(*) FROM port_events"), 1);
    EXPECT_EQ(*db->query_int("SELECT COUNT(*) FROM crossings"), 0);
    auto rows = ports_per_process(*db, {});
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].name, "old");
}

// Version 3 adds port_events.direction; rows written before get it from their run's state at
// start: inbound where a listener held their local port, outbound otherwise.
TEST(Schema, Version3InfersTheDirectionOfOlderRows) {
    TempDir dir;
    const std::string path = dir.file("v2.db");
    {
        auto db = Db::create(path, OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        ASSERT_TRUE(migrate(*db, 2));
        ASSERT_TRUE(db->exec(
            "INSERT INTO runs (id, started, hostname, source, scope, version) VALUES "
            "(1, 1764583200000, 'h', 'poll', '', 'x');"
            // a TCP listener on 0.0.0.0:80, one on 10.0.0.1:8080, unconnected UDP on :53
            "INSERT INTO start_sockets (run_id, protocol, state, local_addr, local_port, "
            "remote_addr, remote_port, cookie, netns, owners) VALUES "
            "(1, 0, 10, 0, 80, 0, 0, 1, 1, 1), (1, 0, 10, 167772161, 8080, 0, 0, 2, 1, 1), "
            "(1, 1, 7, '::', 53, '::', 0, 3, 1, 1);"
            "INSERT INTO port_events (at, run_id, kind, protocol, from_state, to_state, "
            "local_addr, local_port, remote_addr, remote_port, cookie, netns, exact) VALUES "
            // accepted on :80 and on 10.0.0.1:8080, a UDP reply socket on :53: inbound
            "(1764583201000, 1, 0, 0, 0, 1, 167772161, 80, 3325256711, 51000, 10, 1, 1),"
            "(1764583201000, 1, 0, 0, 0, 1, 167772161, 8080, 3325256711, 51001, 11, 1, 1),"
            "(1764583201000, 1, 0, 1, 0, 1, 167772161, 53, 3325256711, 51002, 12, 1, 1),"
            // 10.0.0.2:8080 is not the listener's address; 40000 no listener's port: outbound
            "(1764583201000, 1, 0, 0, 0, 1, 167772162, 8080, 167772169, 443, 13, 1, 1),"
            "(1764583201000, 1, 0, 0, 2, 1, 167772161, 40000, 167772169, 443, 14, 1, 1),"
            // a listener's own row has no peer: unknown
            "(1764583201000, 1, 0, 0, 0, 10, 0, 80, 0, 0, 15, 1, 1)"));
    }
    auto db = open_history(path, OpenMode::ReadWrite);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_GE(*db->query_int("PRAGMA user_version"), 3);
    const std::int64_t expected[] = {2, 2, 2, 1, 1, 0};  // by cookie, 10 to 15
    for (std::int64_t cookie = 10; cookie <= 15; ++cookie) {
        EXPECT_EQ(*db->query_int("SELECT direction FROM port_events WHERE cookie = " +
                                 std::to_string(cookie)),
                  expected[cookie - 10])
            << "cookie " << cookie;
    }
    auto remotes = remote_endpoints(*db, {});
    ASSERT_TRUE(remotes) << remotes.error().message;
    ASSERT_EQ(remotes->size(), 1u);
    EXPECT_EQ((*remotes)[0].address, "10.0.0.9");
    EXPECT_EQ((*remotes)[0].connections, 2u);
}

TEST(Schema, NewerDatabaseIsRefusedUntouched) {
    TempDir dir;
    const std::string path = dir.file("new.db");
    {
        auto db = Db::create(path, OpenMode::ReadWrite);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("PRAGMA user_version = 99"));
    }
    for (auto mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
        auto db = open_history(path, mode);
        ASSERT_FALSE(db);
        EXPECT_EQ(db.error().kind, ErrorKind::Unsupported) << db.error().message;
    }
    EXPECT_EQ(*Db::create(path, OpenMode::ReadOnly)->query_int("PRAGMA user_version"), 99);
}

TEST(Paths, DefaultFollowsRootThenXdgThenHome) {
    EXPECT_EQ(*default_history_path(true, "/x", "/home/u"), "/var/lib/portwatch/history.db");
    EXPECT_EQ(*default_history_path(false, "/x/state", "/home/u"), "/x/state/portwatch/history.db");
    // The XDG spec ignores a relative path.
    EXPECT_EQ(*default_history_path(false, "rel", "/home/u"),
              "/home/u/.local/state/portwatch/history.db");
    EXPECT_EQ(*default_history_path(false, nullptr, "/home/u"),
              "/home/u/.local/state/portwatch/history.db");
    auto none = default_history_path(false, nullptr, nullptr);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::NotFound);
}

TEST(Paths, WriterCreatesDirectoriesReaderNeedsTheFile) {
    TempDir dir;
    const std::string path = dir.file("a/b/c/history.db");
    auto missing = open_history(path, OpenMode::ReadOnly);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
    ASSERT_TRUE(open_history(path, OpenMode::ReadWrite));
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_TRUE(open_history(path, OpenMode::ReadOnly));
    // A file where a directory should be.
    std::ofstream(dir.file("plain")) << "x";
    auto blocked = open_history(dir.file("plain/history.db"), OpenMode::ReadWrite);
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, ENOTDIR) << blocked.error().message;
}

TEST(Errors, SqliteCodesMapToKindsTheMonitorActsOn) {
    auto full = sqlite_error(SQLITE_FULL, 0, "db", "database or disk is full");
    EXPECT_EQ(full.kind, ErrorKind::Exhausted);
    EXPECT_EQ(full.code, ENOSPC);
    auto ioerr = sqlite_error(SQLITE_IOERR_WRITE, ENOSPC, "db", "disk I/O error");
    EXPECT_EQ(ioerr.kind, ErrorKind::Exhausted);
    auto busy = sqlite_error(SQLITE_BUSY, 0, "db", "database is locked");
    EXPECT_EQ(busy.kind, ErrorKind::Io);
    EXPECT_EQ(busy.code, EBUSY);
    EXPECT_NE(busy.message.find("locked"), std::string::npos);
    EXPECT_EQ(sqlite_error(SQLITE_READONLY, 0, "db", "ro").kind, ErrorKind::PermissionDenied);
    EXPECT_EQ(sqlite_error(SQLITE_NOTADB, 0, "db", "x").kind, ErrorKind::Io);
}

TEST(Errors, NotADatabaseIsAClearError) {
    TempDir dir;
    std::ofstream(dir.file("junk.db")) << std::string(8192, 'x');
    auto db = open_history(dir.file("junk.db"), OpenMode::ReadOnly);
    ASSERT_FALSE(db);
    EXPECT_NE(db.error().message.find("junk.db"), std::string::npos) << db.error().message;
}

// A start, traffic of two processes to two endpoints, failures, rollups and a crossing.
void fill(SqliteStore& store) {
    core::Snapshot start;
    start.taken_at = at_s(kT0);
    start.netns = 4026531840;
    core::Process nginx;
    nginx.pid = 100;
    nginx.name = "nginx";
    nginx.cgroup = "/system.slice/nginx.service";
    start.processes = {nginx};
    core::Socket listening;
    listening.state = core::TcpState::Listen;
    listening.local = testing::endpoint("0.0.0.0", 80);
    listening.owners = {100};
    core::Socket orphan;
    orphan.state = core::TcpState::TimeWait;
    orphan.local = testing::endpoint("10.0.0.1", 39999);
    orphan.remote = testing::endpoint("10.0.0.2", 443);
    start.sockets = {listening, orphan};
    ASSERT_TRUE(store.begin_run({at_s(kT0), "web01", "ebpf", "", "0.1.0"}, start));

    core::EventBatch batch;
    auto nginx_maker = maker(100, "nginx");
    nginx_maker.start_time = 0;  // not the snapshot's key: the unit still comes from the pid
    auto curl = maker(200, "curl");
    for (int i = 0; i < 30; ++i) {  // 30 nginx -> 10.0.0.2:443, in hour 10
        batch.ports.push_back(opened(at_s(kT0 + i), nginx_maker, 40000 + i, "10.0.0.2", 443));
        batch.ports.push_back(closed(at_s(kT0 + i + 60), nginx_maker, 40000 + i, "10.0.0.2", 443));
    }
    for (int i = 0; i < 5; ++i) {  // 5 curl -> [2001:db8::1]:80, in hour 12; 2 reuse a port
        auto e = opened(at_s(kT0 + 7200 + i), curl, 50000 + i % 3, "2001:db8::1", 80);
        e.maker_exact = i == 0;
        batch.ports.push_back(e);
    }
    batch.failures.push_back(failed(at_s(kT0 + 100), nginx_maker, 99, "10.0.0.2", 443));
    batch.failures.push_back(failed(at_s(kT0 + 101), nginx_maker, 99, "10.0.0.2", 443));
    batch.failures.push_back(failed(at_s(kT0 + 7300), curl, 11, "2001:db8::1", 80));
    core::FailedAllocation bind = failed(at_s(kT0 + 102), curl, 98, "0.0.0.0", 0);
    bind.call = "bind";
    bind.local = testing::endpoint("10.0.0.1", 8080);
    batch.failures.push_back(bind);
    batch.lost = 3;
    ASSERT_TRUE(store.record(batch));
    ASSERT_TRUE(store.record_process({at_s(kT0 + 7200), true, 200, "curl", "/user.slice", 0}));
    ASSERT_TRUE(store.record_process({at_s(kT0 + 7210), false, 200, "curl", "/user.slice", 5}));

    const std::string pool = "tcp-connect 10.0.0.1 -> 10.0.0.2:443";
    std::vector<PoolSample> pools;
    for (int minute = 0; minute < 3; ++minute) {
        PoolSample p;
        p.at = at_s(kT0 + 60 * (minute + 1));
        p.pool = pool;
        p.kind = "tcp-connect";
        p.size = 100;
        p.used = minute == 1 ? 90 : 40;
        p.severity = minute == 1 ? "CRITICAL" : "OK";
        pools.push_back(p);
    }
    ProcessSample ps;
    ps.at = at_s(kT0 + 60);
    ps.pid = 100;
    ps.name = "nginx";
    ps.ports = 30;
    ASSERT_TRUE(store.record_minute(pools, std::span<const ProcessSample>(&ps, 1)));
    ASSERT_TRUE(store.record_crossing({at_s(kT0 + 120), pool, "OK", "CRITICAL", 0.9}));
    ASSERT_TRUE(store.record_crossing({at_s(kT0 + 180), pool, "CRITICAL", "OK", 0.4}));
    ASSERT_TRUE(
        store.record_crossing({at_s(kT0 + 190), "udp-local 10.0.0.1", "OK", "WARNING", 0.75}));
    ASSERT_TRUE(store.end_run(at_s(kT0 + 8000)));
}

TEST(RoundTrip, EveryQuestionReadsBackWhatWasRecorded) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    {
        auto store = make_store(path, clock);
        fill(store);
    }
    EXPECT_EQ(count_rows(path, "start_sockets"), 2);
    EXPECT_EQ(count_rows(path, "process_events"), 2);
    EXPECT_EQ(count_rows(path, "process_minutes"), 1);
    Db db = reader(path);
    EXPECT_EQ(*db.query_int("SELECT lost FROM runs"), 3);
    EXPECT_EQ(*db.query_int("SELECT ended FROM runs"), (kT0 + 8000) * 1000);
    EXPECT_EQ(*db.query_int("SELECT COUNT(*) FROM start_sockets WHERE maker_id IS NULL"), 1);
    // IPv4 addresses are stored as integers, IPv6 as text; both read back as text.
    EXPECT_EQ(*db.query_int("SELECT COUNT(*) FROM port_events WHERE typeof(remote_addr) = "
                            "'integer' AND remote_addr = 167772162"),  // 10.0.0.2
              60);
    EXPECT_EQ(*db.query_int("SELECT COUNT(*) FROM port_events WHERE remote_addr = '2001:db8::1'"),
              5);
    // The unit of nginx's events comes from the start snapshot's cgroup for that pid.
    auto processes = ports_per_process(db, {});
    ASSERT_TRUE(processes) << processes.error().message;
    ASSERT_EQ(processes->size(), 2u);
    const auto& n = (*processes)[0];
    EXPECT_EQ(n.name, "nginx");
    EXPECT_EQ(n.pid, 100);
    EXPECT_EQ(n.opened, 30u);
    EXPECT_EQ(n.closed, 30u);
    EXPECT_EQ(n.distinct_ports, 30u);
    EXPECT_EQ(n.exact, 30u);
    EXPECT_EQ(n.unit, "/system.slice/nginx.service");
    EXPECT_EQ(n.first, at_s(kT0));
    EXPECT_EQ(n.last, at_s(kT0 + 29 + 60));
    const auto& c = (*processes)[1];
    EXPECT_EQ(c.name, "curl");
    EXPECT_EQ(c.opened, 5u);
    EXPECT_EQ(c.distinct_ports, 3u);
    EXPECT_EQ(c.exact, 1u);

    auto remotes = remote_endpoints(db, {});
    ASSERT_TRUE(remotes);
    ASSERT_EQ(remotes->size(), 2u);
    EXPECT_EQ((*remotes)[0].address, "10.0.0.2");
    EXPECT_EQ((*remotes)[0].port, 443);
    EXPECT_EQ((*remotes)[0].connections, 30u);
    EXPECT_EQ((*remotes)[0].top_process, "nginx");
    EXPECT_EQ((*remotes)[1].address, "2001:db8::1");
    EXPECT_EQ((*remotes)[1].connections, 5u);

    auto hours = use_by_hour(db, {});
    ASSERT_TRUE(hours);
    ASSERT_EQ(hours->size(), 24u);
    EXPECT_EQ((*hours)[10].opened, 30u);
    EXPECT_EQ((*hours)[10].failures, 3u);
    EXPECT_EQ((*hours)[12].opened, 5u);
    EXPECT_EQ((*hours)[12].failures, 1u);
    EXPECT_EQ((*hours)[11].opened, 0u);

    auto failures = failed_allocations(db, {});
    ASSERT_TRUE(failures);
    ASSERT_EQ(failures->size(), 3u);
    EXPECT_EQ((*failures)[0].name, "nginx");
    EXPECT_EQ((*failures)[0].error, 99);
    EXPECT_EQ((*failures)[0].count, 2u);
    EXPECT_EQ((*failures)[0].address, "10.0.0.2");
    // A bind failure names the address asked for.
    bool bind_seen = false;
    for (const auto& f : *failures) {
        if (f.call == "bind") {
            bind_seen = true;
            EXPECT_EQ(f.address, "10.0.0.1");
            EXPECT_EQ(f.port, 8080);
            EXPECT_EQ(f.error, 98);
        }
    }
    EXPECT_TRUE(bind_seen);

    auto pools = pool_peaks(db, {});
    ASSERT_TRUE(pools);
    ASSERT_EQ(pools->size(), 1u);
    EXPECT_EQ((*pools)[0].peak_used, 90u);
    EXPECT_EQ((*pools)[0].peak_at, at_s(kT0 + 120));
    EXPECT_EQ((*pools)[0].worst_severity, "CRITICAL");
    EXPECT_EQ((*pools)[0].minutes, 3u);

    auto moments = crossings(db, {});
    ASSERT_TRUE(moments);
    ASSERT_EQ(moments->size(), 3u);
    EXPECT_EQ((*moments)[0].to, "CRITICAL");
    EXPECT_EQ((*moments)[0].at, at_s(kT0 + 120));
    EXPECT_DOUBLE_EQ((*moments)[0].utilisation, 0.9);
}

// `remotes` is where this host connected to: a server's accepted peers (many, each from an
// ephemeral port of theirs) are not remote endpoints it contacted.
TEST(RoundTrip, RemotesCountOutboundConnectionsNotAcceptedPeers) {
    core::FixedClock clock(at_s(kT0));
    SqliteStore store = running_store(clock, "ebpf");
    core::EventBatch batch;
    auto nginx = maker(100, "nginx");
    for (int i = 0; i < 50; ++i) {  // 50 clients of nginx's :443, five from each of 10 peers
        batch.ports.push_back(accepted(at_s(kT0 + i), nginx, 443,
                                       "198.51.100." + std::to_string(i % 10),
                                       static_cast<std::uint16_t>(50000 + i)));
    }
    for (int i = 0; i < 4; ++i) {  // nginx's own connections to its upstream
        batch.ports.push_back(opened(at_s(kT0 + i), nginx, 41000 + i, "10.0.0.5", 8080));
    }
    core::PortEvent unknown = opened(at_s(kT0), nginx, 42000, "10.0.0.6", 8080);
    unknown.direction = core::Direction::Unknown;  // a source that could not tell
    batch.ports.push_back(unknown);
    ASSERT_TRUE(store.record(batch));
    ASSERT_TRUE(store.flush());

    auto remotes = remote_endpoints(store.db(), {});
    ASSERT_TRUE(remotes) << remotes.error().message;
    ASSERT_EQ(remotes->size(), 1u);
    EXPECT_EQ((*remotes)[0].address, "10.0.0.5");
    EXPECT_EQ((*remotes)[0].port, 8080);
    EXPECT_EQ((*remotes)[0].connections, 4u);
    EXPECT_EQ((*remotes)[0].top_process, "nginx");
    // Accepted connections still count as ports nginx took.
    auto processes = ports_per_process(store.db(), {});
    ASSERT_TRUE(processes);
    ASSERT_EQ(processes->size(), 1u);
    EXPECT_EQ((*processes)[0].opened, 55u);
}

// The report's series: a process minute's accepted connections apart from its ports, and the
// host's facts as last recorded by the window's end (a set older than the window included).
TEST(RoundTrip, SeriesCarryAcceptedConnectionsAndTheNewestHostFacts) {
    core::FixedClock clock(at_s(kT0));
    SqliteStore store = running_store(clock, "poll");
    const std::vector<HostFact> first{{"ephemeral range", "32768-60999 (28232 ports; sysctl)"},
                                      {"net.ipv4.tcp_tw_reuse", "2"}};
    const std::vector<HostFact> second{{"ephemeral range", "10000-60999 (51000 ports; sysctl)"},
                                       {"net.ipv4.tcp_tw_reuse", "1"}};
    ASSERT_TRUE(store.record_facts(at_s(kT0), first));
    ASSERT_TRUE(store.record_facts(at_s(kT0 + 3600), second));
    ProcessSample nginx;
    nginx.at = at_s(kT0 + 60);
    nginx.pid = 100;
    nginx.name = "nginx";
    nginx.ports = 3;
    nginx.accepted = 500;
    ASSERT_TRUE(store.record_minute({}, std::span(&nginx, 1)));
    ASSERT_TRUE(store.flush());

    HistoryFilter window;
    window.since = at_s(kT0 + 30);
    window.until = at_s(kT0 + 120);
    auto early = read_series(store.db(), window);
    ASSERT_TRUE(early) << early.error().message;
    ASSERT_EQ(early->processes.size(), 1u);
    EXPECT_EQ(early->processes[0].ports, 3u);
    EXPECT_EQ(early->processes[0].accepted, 500u);
    EXPECT_EQ(early->facts, first);  // recorded before the window: still the host then
    EXPECT_EQ(early->facts_at, at_s(kT0));
    auto all = read_series(store.db(), {});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(all->facts, second);
    EXPECT_EQ(all->facts_at, at_s(kT0 + 3600));
}

TEST(Filters, WindowProcessPoolAndLimit) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    {
        auto store = make_store(path, clock);
        fill(store);
    }
    Db db = reader(path);
    HistoryFilter window;
    window.since = at_s(kT0 + 3600);
    auto late = ports_per_process(db, window);
    ASSERT_TRUE(late);
    ASSERT_EQ(late->size(), 1u);
    EXPECT_EQ((*late)[0].name, "curl");
    window.since = at_s(kT0 + 10);
    window.until = at_s(kT0 + 20);  // exclusive
    auto middle = ports_per_process(db, window);
    ASSERT_TRUE(middle);
    ASSERT_EQ(middle->size(), 1u);
    EXPECT_EQ((*middle)[0].opened, 10u);
    EXPECT_EQ((*middle)[0].closed, 0u);

    HistoryFilter by_name;
    by_name.processes = {"curl"};
    auto failures = failed_allocations(db, by_name);
    ASSERT_TRUE(failures);
    ASSERT_EQ(failures->size(), 2u);
    for (const auto& f : *failures) {
        EXPECT_EQ(f.name, "curl");
    }
    HistoryFilter by_pid;
    by_pid.processes = {"100"};
    auto remotes = remote_endpoints(db, by_pid);
    ASSERT_TRUE(remotes);
    ASSERT_EQ(remotes->size(), 1u);
    EXPECT_EQ((*remotes)[0].address, "10.0.0.2");
    HistoryFilter either;
    either.processes = {"nobody", "200"};
    auto hours = use_by_hour(db, either);
    ASSERT_TRUE(hours);
    EXPECT_EQ((*hours)[10].opened, 0u);
    EXPECT_EQ((*hours)[12].opened, 5u);

    HistoryFilter pool;
    pool.pool = "udp-local";
    auto moments = crossings(db, pool);
    ASSERT_TRUE(moments);
    ASSERT_EQ(moments->size(), 1u);
    EXPECT_EQ((*moments)[0].to, "WARNING");
    pool.processes = {"curl"};  // pools are not a process's: ignored there
    auto peaks = pool_peaks(db, pool);
    ASSERT_TRUE(peaks);
    EXPECT_TRUE(peaks->empty());

    HistoryFilter top;
    top.limit = 1;
    auto first = ports_per_process(db, top);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 1u);
    EXPECT_EQ((*first)[0].name, "nginx");

    auto all = ask(db, {}, {HistoryQuestion::Crossings, HistoryQuestion::Processes});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(all->crossings.size(), 3u);
    EXPECT_EQ(all->processes.size(), 2u);
    EXPECT_TRUE(all->remotes.empty());  // not asked
}

TEST(Batching, CommitsOnceTheTransactionIsAnIntervalOld) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    auto store = make_store(path, clock);
    core::EventBatch batch;
    batch.ports.push_back(opened(at_s(kT0), maker(1, "a"), 40000, "10.0.0.2", 443));
    ASSERT_TRUE(store.record(batch));
    EXPECT_EQ(count_rows(path, "port_events"), 0);  // still in the open transaction
    clock.set(at_s(kT0) + std::chrono::milliseconds(999));
    ASSERT_TRUE(store.record(batch));
    EXPECT_EQ(count_rows(path, "port_events"), 0);
    clock.set(at_s(kT0 + 1));
    ASSERT_TRUE(store.record({}));  // an empty batch commits what is due
    EXPECT_EQ(count_rows(path, "port_events"), 2);
    ASSERT_TRUE(store.record(batch));
    ASSERT_TRUE(store.flush());
    EXPECT_EQ(count_rows(path, "port_events"), 3);
}

TEST(Retention, ByAgeDeletesOlderRowsOnly) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    auto store = make_store(path, clock);
    fill(store);  // events from kT0 to kT0 + 7300
    Retention keep_one_hour;
    keep_one_hour.max_age = std::chrono::hours(1);
    ASSERT_TRUE(store.apply_retention(keep_one_hour, at_s(kT0 + 7200 + 1800)));
    EXPECT_EQ(count_rows(path, "port_events"), 5);  // curl's, at kT0 + 7200..
    EXPECT_EQ(count_rows(path, "failures"), 1);
    EXPECT_EQ(count_rows(path, "crossings"), 0);
    EXPECT_EQ(count_rows(path, "pool_minutes"), 0);
    EXPECT_EQ(count_rows(path, "process_events"), 2);
    // The current run's state at start stays while the run goes on.
    EXPECT_EQ(count_rows(path, "start_sockets"), 2);
    EXPECT_EQ(count_rows(path, "runs"), 1);
}

TEST(Retention, BySizeKeepsTheNewestAndShrinksTheFile) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    auto store = make_store(path, clock);
    auto who = maker(5, "loader");
    constexpr int kEvents = 150000;
    core::EventBatch batch;
    for (int i = 0; i < kEvents; ++i) {
        batch.ports.push_back(opened(at_s(kT0) + std::chrono::milliseconds(i * 10), who,
                                     1024 + i % 60000, "10.0.0." + std::to_string(i % 200), 443));
        if (batch.ports.size() == 5000) {
            ASSERT_TRUE(store.record(batch));
            batch.clear();
        }
    }
    ASSERT_TRUE(store.flush());
    auto before = store.live_bytes();
    ASSERT_TRUE(before);
    ASSERT_GT(*before, 8u << 20) << "the test needs more data than the limit";
    Retention small;
    small.max_age = std::chrono::hours(24 * 365);
    small.max_bytes = 2u << 20;
    ASSERT_TRUE(store.apply_retention(small, at_s(kT0 + 3600)));
    auto after = store.live_bytes();
    ASSERT_TRUE(after);
    EXPECT_LE(*after, small.max_bytes);
    auto left = count_rows(path, "port_events");
    EXPECT_GT(left, 1000);
    EXPECT_LT(left, kEvents);
    Db db = reader(path);
    // The newest event is kept, the oldest gone.
    EXPECT_EQ(*db.query_int("SELECT MAX(at) FROM port_events"),
              kT0 * 1000 + static_cast<std::int64_t>(kEvents - 1) * 10);
    EXPECT_GT(*db.query_int("SELECT MIN(at) FROM port_events"), kT0 * 1000);
    // The pages went back to the file system (incremental vacuum, checkpointed).
    EXPECT_EQ(*store.db().query_int("PRAGMA freelist_count"), 0);
    ASSERT_TRUE(store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    EXPECT_LE(std::filesystem::file_size(path), small.max_bytes + (64u << 10));
    // Writing goes on after.
    batch.ports.push_back(opened(at_s(kT0 + 4000), who, 2000, "10.0.0.1", 443));
    ASSERT_TRUE(store.record(batch));
    ASSERT_TRUE(store.flush());
}

TEST(Locking, ALockedDatabaseIsAnIoErrorNotAHangAndWritingResumes) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    auto store = make_store(path, clock, OpenOptions{std::chrono::milliseconds(200)});
    core::EventBatch batch;
    batch.ports.push_back(opened(at_s(kT0), maker(1, "a"), 40000, "10.0.0.2", 443));
    {
        auto other = Db::create(path, OpenMode::ReadWrite);
        ASSERT_TRUE(other);
        ASSERT_TRUE(other->exec("BEGIN EXCLUSIVE"));  // another writer holds the write lock
        auto started = std::chrono::steady_clock::now();
        auto r = store.record(batch);
        auto waited = std::chrono::steady_clock::now() - started;
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, ErrorKind::Io);
        EXPECT_EQ(r.error().code, EBUSY);
        EXPECT_NE(r.error().message.find("locked"), std::string::npos) << r.error().message;
        EXPECT_LT(waited, std::chrono::seconds(2));
        ASSERT_TRUE(other->exec("ROLLBACK"));
    }
    ASSERT_TRUE(store.record(batch));
    ASSERT_TRUE(store.flush());
    EXPECT_EQ(count_rows(path, "port_events"), 1);
}

TEST(Locking, AReaderNeverBlocksTheWriter) {
    TempDir dir;
    const std::string path = dir.file("h.db");
    core::FixedClock clock(at_s(kT0));
    // No busy wait at all: any lock the reader held would fail the writer at once.
    auto store = make_store(path, clock, OpenOptions{std::chrono::milliseconds(0)});
    fill(store);
    Db db = reader(path);
    ASSERT_TRUE(db.exec("BEGIN"));
    auto before = db.query_int("SELECT COUNT(*) FROM port_events");  // holds a read snapshot
    ASSERT_TRUE(before);
    core::EventBatch batch;
    for (int round = 0; round < 50; ++round) {
        batch.clear();
        for (int i = 0; i < 100; ++i) {
            batch.ports.push_back(
                opened(at_s(kT0 + 9000 + round), maker(3, "w"), 1024 + i, "10.0.0.3", 80));
        }
        ASSERT_TRUE(store.record(batch));
        ASSERT_TRUE(store.flush()) << "round " << round;
        // The questions run meanwhile and see their own consistent moment.
        auto answer = ports_per_process(db, {});
        ASSERT_TRUE(answer) << answer.error().message;
    }
    EXPECT_EQ(*db.query_int("SELECT COUNT(*) FROM port_events"), *before);
    ASSERT_TRUE(db.exec("COMMIT"));
    EXPECT_EQ(*db.query_int("SELECT COUNT(*) FROM port_events"), *before + 5000);
}

}  // namespace
}  // namespace portwatch::store
