#include "store/sqlite_store.h"

#include <algorithm>
#include <string_view>

#include "store/address_column.h"
#include "store/time_units.h"

namespace portwatch::store {

namespace {

constexpr std::string_view kInsertRun =
    "INSERT INTO runs (started, hostname, source, scope, version) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kInsertMaker =
    "INSERT INTO makers (pid, name, unit, cgroup_id, start_time) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kInsertStartSocket =
    "INSERT INTO start_sockets (run_id, protocol, state, local_addr, local_port, remote_addr, "
    "remote_port, cookie, netns, maker_id, owners) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kInsertPort =
    "INSERT INTO port_events (at, run_id, kind, protocol, from_state, to_state, local_addr, "
    "local_port, remote_addr, remote_port, cookie, netns, maker_id, exact, direction) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
constexpr std::string_view kInsertFailure =
    "INSERT INTO failures (at, run_id, protocol, call, error, local_addr, local_port, "
    "remote_addr, remote_port, netns, maker_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kInsertProcess =
    "INSERT INTO process_events (at, run_id, started, pid, name, unit, ports) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kInsertPoolMinute =
    "INSERT INTO pool_minutes (at, run_id, pool, kind, netns, size, used, established, "
    "time_wait, close_wait, other, severity, seconds_left) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kInsertProcessMinute =
    "INSERT INTO process_minutes (at, run_id, pid, name, unit, ports, established, time_wait, "
    "close_wait, other, time_wait_exact, opened, closed, failures, top_destination, accepted) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
constexpr std::string_view kInsertHostFact =
    "INSERT INTO host_facts (at, run_id, label, value) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kInsertCrossing =
    "INSERT INTO crossings (at, run_id, pool, from_severity, to_severity, utilisation) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kAddLost = "UPDATE runs SET lost = lost + ?2 WHERE id = ?1";

// Every table whose rows carry a time, oldest deleted first by retention.
constexpr std::string_view kTimedTables[] = {"port_events",  "failures",        "process_events",
                                             "pool_minutes", "process_minutes", "crossings",
                                             "host_facts"};

// The time every timed table's rows span together: "SELECT MIN(lo), MAX(hi) FROM (...)".
std::string timed_span_sql() {
    std::string union_all;
    for (std::string_view table : kTimedTables) {
        union_all += std::string(union_all.empty() ? "" : " UNION ALL ") +
                     "SELECT MIN(at) AS lo, MAX(at) AS hi FROM " + std::string(table);
    }
    return "SELECT MIN(lo), MAX(hi) FROM (" + union_all + ")";
}

Statement& bind_run(Statement& s, int index, std::int64_t run_id) {
    return run_id == 0 ? s.bind_null(index) : s.bind(index, run_id);
}

std::int64_t u64(std::uint64_t v) {
    return static_cast<std::int64_t>(v);
}  // stored as bits

}  // namespace

Result<SqliteStore> SqliteStore::create(Db db, const core::Clock& clock, StoreOptions options) {
    auto prepare = [&](std::string_view sql) { return db.prepare(sql); };
    auto run = prepare(kInsertRun);
    auto maker = prepare(kInsertMaker);
    auto start = prepare(kInsertStartSocket);
    auto port = prepare(kInsertPort);
    auto failure = prepare(kInsertFailure);
    auto process = prepare(kInsertProcess);
    auto pool_minute = prepare(kInsertPoolMinute);
    auto process_minute = prepare(kInsertProcessMinute);
    auto crossing = prepare(kInsertCrossing);
    auto lost = prepare(kAddLost);
    auto fact = prepare(kInsertHostFact);
    for (const auto* s : {&run, &maker, &start, &port, &failure, &process, &pool_minute,
                          &process_minute, &crossing, &lost, &fact}) {
        if (!*s) {
            return std::unexpected(with_context(s->error(), "preparing the history store"));
        }
    }
    Statements statements{std::move(*run),         std::move(*maker),
                          std::move(*start),       std::move(*port),
                          std::move(*failure),     std::move(*process),
                          std::move(*pool_minute), std::move(*process_minute),
                          std::move(*crossing),    std::move(*lost),
                          std::move(*fact)};
    return SqliteStore(std::move(db), std::move(statements), clock, options);
}

SqliteStore::~SqliteStore() {
    if (db_.is_open()) {
        (void)flush();  // a failure here has nobody to tell; the monitor flushes before
    }
}

Result<void> SqliteStore::begin_if_needed() {
    if (db_.in_transaction()) {
        return {};
    }
    if (auto ok = db_.exec("BEGIN IMMEDIATE"); !ok) {
        return std::unexpected(abandon(ok.error()));
    }
    transaction_started_ = clock_->now();
    return {};
}

Result<void> SqliteStore::commit_if_due() {
    if (db_.in_transaction() && clock_->now() - transaction_started_ >= options_.commit_interval) {
        return flush();
    }
    return {};
}

Result<void> SqliteStore::flush() {
    if (!db_.in_transaction()) {
        return {};
    }
    if (auto ok = db_.exec("COMMIT"); !ok) {
        return std::unexpected(abandon(ok.error()));
    }
    return {};
}

Error SqliteStore::abandon(Error error) {
    if (db_.in_transaction()) {
        (void)db_.exec("ROLLBACK");
    }
    makers_.clear();
    return error;
}

template <typename Write>
Result<void> SqliteStore::write(Write&& body) {
    if (auto ok = begin_if_needed(); !ok) {
        return ok;
    }
    if (auto ok = body(); !ok) {
        return std::unexpected(abandon(ok.error()));
    }
    return commit_if_due();
}

Result<std::optional<std::int64_t>> SqliteStore::known_maker_id(const core::Maker& maker) {
    if (maker.pid == 0 && maker.comm.empty()) {
        return std::nullopt;  // nobody recorded: the row's maker is NULL
    }
    return maker_id(maker, "");
}

Result<std::int64_t> SqliteStore::maker_id(const core::Maker& maker, std::string_view unit) {
    auto key = std::make_tuple(maker.pid, maker.start_time, maker.cgroup_id, maker.comm);
    if (auto it = makers_.find(key); it != makers_.end()) {
        return it->second;
    }
    if (unit.empty()) {
        if (auto it = units_.find(maker.pid); it != units_.end()) {
            unit = it->second;
        }
    }
    auto& s = sql_.insert_maker;
    s.bind(1, std::int64_t{maker.pid})
        .bind(2, maker.comm)
        .bind(3, unit)
        .bind(4, u64(maker.cgroup_id))
        .bind(5, maker.start_time);
    if (auto ok = s.run(); !ok) {
        return std::unexpected(ok.error());
    }
    if (makers_.size() >= kMaxMakers) {
        makers_.clear();
    }
    std::int64_t id = db_.last_insert_rowid();
    makers_.emplace(std::move(key), id);
    return id;
}

Result<std::int64_t> SqliteStore::begin_run(const RunInfo& run, const core::Snapshot& at_start) {
    if (auto ok = flush(); !ok) {
        return std::unexpected(ok.error());
    }
    makers_.clear();
    units_.clear();
    for (const auto& p : at_start.processes) {
        if (!p.cgroup.empty()) {
            units_[p.pid] = p.cgroup;
        }
    }
    std::int64_t id = 0;
    auto ok = write([&]() -> Result<void> {
        auto& r = sql_.insert_run;
        r.bind(1, to_ms(run.started))
            .bind(2, run.hostname)
            .bind(3, run.source)
            .bind(4, run.scope)
            .bind(5, run.version);
        if (auto done = r.run(); !done) {
            return done;
        }
        id = db_.last_insert_rowid();
        auto& s = sql_.insert_start_socket;
        for (const auto& socket : at_start.sockets) {
            std::optional<std::int64_t> maker;
            if (!socket.owners.empty()) {
                const core::Process* p = at_start.find_process(socket.owners.front());
                core::Maker m;
                m.pid = socket.owners.front();
                if (p != nullptr) {
                    m.comm = p->name;
                    m.start_time = p->start_time;
                }
                auto made = maker_id(m, p != nullptr ? std::string_view(p->cgroup) : "");
                if (!made) {
                    return std::unexpected(made.error());
                }
                maker = *made;
            }
            s.bind(1, id)
                .bind(2, std::int64_t{static_cast<int>(socket.protocol)})
                .bind(3, std::int64_t{static_cast<int>(socket.state)})
                .bind(5, std::int64_t{socket.local.port})
                .bind(7, std::int64_t{socket.remote.port})
                .bind(8, u64(socket.cookie))
                .bind(9, u64(socket.netns != 0 ? socket.netns : at_start.netns))
                .bind(11, static_cast<std::int64_t>(socket.owners.size()));
            bind_address(s, 4, socket.local);
            bind_address(s, 6, socket.remote);
            if (maker) {
                s.bind(10, *maker);
            } else {
                s.bind_null(10);
            }
            if (auto done = s.run(); !done) {
                return done;
            }
        }
        return {};
    });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    if (auto done = flush(); !done) {  // a run's start is kept whole or not at all
        return std::unexpected(done.error());
    }
    run_id_ = id;
    return id;
}

Result<void> SqliteStore::end_run(core::TimePoint at) {
    if (run_id_ == 0) {
        return flush();
    }
    auto ok = write([&]() -> Result<void> {
        auto s = db_.prepare("UPDATE runs SET ended = ?2 WHERE id = ?1");
        if (!s) {
            return std::unexpected(s.error());
        }
        s->bind(1, run_id_).bind(2, to_ms(at));
        return s->run();
    });
    if (!ok) {
        return ok;
    }
    return flush();
}

Result<void> SqliteStore::record(const core::EventBatch& batch) {
    return write([&]() -> Result<void> {
        auto& p = sql_.insert_port;
        for (const auto& e : batch.ports) {
            auto maker = known_maker_id(e.maker);
            if (!maker) {
                return std::unexpected(maker.error());
            }
            p.bind(1, to_ms(e.at));
            bind_run(p, 2, run_id_)
                .bind(3, std::int64_t{static_cast<int>(e.kind)})
                .bind(4, std::int64_t{static_cast<int>(e.protocol)})
                .bind(5, std::int64_t{static_cast<int>(e.from)})
                .bind(6, std::int64_t{static_cast<int>(e.to)})
                .bind(8, std::int64_t{e.local.port})
                .bind(10, std::int64_t{e.remote.port})
                .bind(11, u64(e.cookie))
                .bind(12, u64(e.netns))
                .bind(14, std::int64_t{e.maker_exact ? 1 : 0})
                .bind(15, std::int64_t{static_cast<int>(e.direction)});
            bind_address(p, 7, e.local);
            bind_address(p, 9, e.remote);
            *maker ? p.bind(13, **maker) : p.bind_null(13);
            if (auto done = p.run(); !done) {
                return done;
            }
        }
        auto& f = sql_.insert_failure;
        for (const auto& e : batch.failures) {
            auto maker = known_maker_id(e.maker);
            if (!maker) {
                return std::unexpected(maker.error());
            }
            f.bind(1, to_ms(e.at));
            bind_run(f, 2, run_id_)
                .bind(3, std::int64_t{static_cast<int>(e.protocol)})
                .bind(4, e.call)
                .bind(5, std::int64_t{e.error})
                .bind(7, std::int64_t{e.local.port})
                .bind(9, std::int64_t{e.remote.port})
                .bind(10, u64(e.netns));
            bind_address(f, 6, e.local);
            bind_address(f, 8, e.remote);
            *maker ? f.bind(11, **maker) : f.bind_null(11);
            if (auto done = f.run(); !done) {
                return done;
            }
        }
        if (batch.lost > 0 && run_id_ != 0) {
            sql_.add_lost.bind(1, run_id_).bind(2, u64(batch.lost));
            return sql_.add_lost.run();
        }
        return {};
    });
}

Result<void> SqliteStore::record_process(const ProcessLife& life) {
    if (life.started && !life.unit.empty()) {
        units_[life.pid] = life.unit;
    }
    auto ok = write([&]() -> Result<void> {
        auto& s = sql_.insert_process;
        s.bind(1, to_ms(life.at));
        bind_run(s, 2, run_id_)
            .bind(3, std::int64_t{life.started ? 1 : 0})
            .bind(4, std::int64_t{life.pid})
            .bind(5, life.name)
            .bind(6, life.unit)
            .bind(7, std::int64_t{life.ports});
        return s.run();
    });
    if (!life.started) {
        units_.erase(life.pid);
    }
    return ok;
}

Result<void> SqliteStore::record_minute(std::span<const PoolSample> pools,
                                        std::span<const ProcessSample> processes) {
    return write([&]() -> Result<void> {
        auto& s = sql_.insert_pool_minute;
        for (const auto& p : pools) {
            s.bind(1, to_ms(p.at));
            bind_run(s, 2, run_id_)
                .bind(3, p.pool)
                .bind(4, p.kind)
                .bind(5, u64(p.netns))
                .bind(6, std::int64_t{p.size})
                .bind(7, std::int64_t{p.used})
                .bind(8, std::int64_t{p.established})
                .bind(9, std::int64_t{p.time_wait})
                .bind(10, std::int64_t{p.close_wait})
                .bind(11, std::int64_t{p.other})
                .bind(12, p.severity)
                .bind(13, p.seconds_left);
            if (auto done = s.run(); !done) {
                return done;
            }
        }
        auto& q = sql_.insert_process_minute;
        for (const auto& p : processes) {
            q.bind(1, to_ms(p.at));
            bind_run(q, 2, run_id_)
                .bind(3, std::int64_t{p.pid})
                .bind(4, p.name)
                .bind(5, p.unit)
                .bind(6, std::int64_t{p.ports})
                .bind(7, std::int64_t{p.established})
                .bind(8, std::int64_t{p.time_wait})
                .bind(9, std::int64_t{p.close_wait})
                .bind(10, std::int64_t{p.other})
                .bind(11, std::int64_t{p.time_wait_exact})
                .bind(12, std::int64_t{p.opened})
                .bind(13, std::int64_t{p.closed})
                .bind(14, std::int64_t{p.failures})
                .bind(15, p.top_destination)
                .bind(16, std::int64_t{p.accepted});
            if (auto done = q.run(); !done) {
                return done;
            }
        }
        return {};
    });
}

Result<void> SqliteStore::record_crossing(const Crossing& crossing) {
    return write([&]() -> Result<void> {
        auto& s = sql_.insert_crossing;
        s.bind(1, to_ms(crossing.at));
        bind_run(s, 2, run_id_)
            .bind(3, crossing.pool)
            .bind(4, crossing.from)
            .bind(5, crossing.to)
            .bind(6, crossing.utilisation);
        return s.run();
    });
}

Result<void> SqliteStore::record_facts(core::TimePoint at, std::span<const HostFact> facts) {
    return write([&]() -> Result<void> {
        auto& s = sql_.insert_host_fact;
        for (const auto& f : facts) {
            s.bind(1, to_ms(at));
            bind_run(s, 2, run_id_).bind(3, f.label).bind(4, f.value);
            if (auto done = s.run(); !done) {
                return done;
            }
        }
        return {};
    });
}

Result<std::uint64_t> SqliteStore::live_bytes() {
    auto pages = db_.query_int("PRAGMA page_count");
    auto free = db_.query_int("PRAGMA freelist_count");
    auto size = db_.query_int("PRAGMA page_size");
    for (const auto* r : {&pages, &free, &size}) {
        if (!*r) {
            return std::unexpected(r->error());
        }
    }
    return static_cast<std::uint64_t>((*pages - *free) * *size);
}

Result<void> SqliteStore::apply_retention(const Retention& retention, core::TimePoint now) {
    if (auto ok = flush(); !ok) {
        return ok;
    }
    auto delete_before = [&](std::int64_t cutoff) -> Result<void> {
        for (std::string_view table : kTimedTables) {
            auto s = db_.prepare("DELETE FROM " + std::string(table) + " WHERE at < ?1");
            if (!s) {
                return std::unexpected(s.error());
            }
            s->bind(1, cutoff);
            if (auto ok = s->run(); !ok) {
                return ok;
            }
        }
        // The state at start of runs that began before the cutoff (never the current run's).
        auto s = db_.prepare(
            "DELETE FROM start_sockets WHERE run_id IN "
            "(SELECT id FROM runs WHERE started < ?1 AND id != ?2);"
            "");
        if (!s) {
            return std::unexpected(s.error());
        }
        s->bind(1, cutoff).bind(2, run_id_);
        if (auto ok = s->run(); !ok) {
            return ok;
        }
        auto r = db_.prepare("DELETE FROM runs WHERE started < ?1 AND id != ?2");
        if (!r) {
            return std::unexpected(r.error());
        }
        r->bind(1, cutoff).bind(2, run_id_);
        return r->run();
    };
    auto ok = write([&]() -> Result<void> {
        if (auto done = delete_before(to_ms(now - retention.max_age)); !done) {
            return done;
        }
        // Too big still: the oldest tenth of the time the events span, until it fits.
        for (int round = 0; round < 64; ++round) {
            auto bytes = live_bytes();
            if (!bytes) {
                return std::unexpected(bytes.error());
            }
            if (*bytes <= retention.max_bytes) {
                break;
            }
            auto span = db_.prepare(timed_span_sql());
            if (!span) {
                return std::unexpected(span.error());
            }
            auto row = span->step();
            if (!row) {
                return std::unexpected(row.error());
            }
            if (!*row || span->column_null(0)) {
                break;  // nothing left to delete
            }
            std::int64_t lo = span->column_int(0), hi = span->column_int(1);
            span->reset();
            if (auto done = delete_before(lo + std::max<std::int64_t>(1, (hi - lo) / 10)); !done) {
                return done;
            }
        }
        return {};
    });
    if (!ok) {
        return ok;
    }
    if (auto done = flush(); !done) {
        return done;
    }
    // Freed pages go back to the file system; the checkpoint moves the shrink into the file
    // without waiting for readers (PASSIVE).
    if (auto done = db_.exec("PRAGMA incremental_vacuum"); !done) {
        return done;
    }
    return db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
}

}  // namespace portwatch::store
