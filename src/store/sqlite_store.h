#pragma once
// The HistoryStore in SQLite. One writer (the monitor) batches its writes into transactions
// committed at least every `commit_interval` of the injected clock, so a kill -9 loses at most
// that much; readers (open_history(..., ReadOnly)) never block it (WAL).
//
// Failures are values the monitor acts on: ErrorKind::Exhausted for a full disk, ErrorKind::Io
// for a database another process holds locked (after the busy timeout, never a hang). The
// transaction under way is rolled back then (its events are lost: "not recording"), and the
// next call starts afresh, so writing resumes by itself once the disk has room or the lock
// is gone.
//
// One thread at a time: the connection is opened without SQLite's mutexes (the monitor's
// loop is its only user); readers open connections of their own.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/clock.h"
#include "store/db.h"
#include "store/history_store.h"

namespace portwatch::store {

struct StoreOptions {
    // The longest a recorded event waits in an open transaction. Every write method commits
    // when the transaction is this old, and so does flush(): a monitor that calls record()
    // (an empty batch is fine) or flush() at least this often loses at most this much.
    std::chrono::milliseconds commit_interval{1000};
};

class SqliteStore final : public HistoryStore {
  public:
    // Takes a database open_history(path, OpenMode::ReadWrite) returned. `clock` must outlive
    // the store.
    static Result<SqliteStore> create(Db db, const core::Clock& clock, StoreOptions options = {});
    SqliteStore(SqliteStore&&) noexcept = default;
    SqliteStore& operator=(SqliteStore&&) = delete;
    ~SqliteStore() override;

    Result<std::int64_t> begin_run(const RunInfo& run, const core::Snapshot& at_start) override;
    Result<void> record(const core::EventBatch& batch) override;
    Result<void> record_process(const ProcessLife& life) override;
    Result<void> record_minute(std::span<const PoolSample> pools,
                               std::span<const ProcessSample> processes) override;
    Result<void> record_crossing(const Crossing& crossing) override;
    Result<void> record_facts(core::TimePoint at, std::span<const HostFact> facts) override;
    // Deletes rows older than max_age, then the oldest tenth of what is left until the live
    // pages fit max_bytes, and gives the freed pages back to the file system.
    Result<void> apply_retention(const Retention& retention, core::TimePoint now) override;
    Result<void> flush() override;
    Result<void> end_run(core::TimePoint at) override;

    // Bytes the database's live pages take (file size less free pages; the WAL not counted).
    Result<std::uint64_t> live_bytes();
    Db& db() { return db_; }

  private:
    struct Statements {
        Statement insert_run, insert_maker, insert_start_socket, insert_port, insert_failure,
            insert_process, insert_pool_minute, insert_process_minute, insert_crossing, add_lost,
            insert_host_fact;
    };
    SqliteStore(Db db, Statements statements, const core::Clock& clock, StoreOptions options)
        : db_(std::move(db)), sql_(std::move(statements)), clock_(&clock), options_(options) {}

    Result<void> begin_if_needed();
    Result<void> commit_if_due();
    // Undoes the open transaction after a failure and forgets what only it held.
    Error abandon(Error error);
    Result<std::int64_t> maker_id(const core::Maker& maker, std::string_view unit);
    // An event's maker: its id, or none when the source recorded nobody (pid 0, no name).
    Result<std::optional<std::int64_t>> known_maker_id(const core::Maker& maker);
    template <typename Write>
    Result<void> write(Write&& body);

    Db db_;
    Statements sql_;
    const core::Clock* clock_;
    StoreOptions options_;
    std::int64_t run_id_ = 0;  // 0: no run begun (rows then carry a NULL run)
    core::TimePoint transaction_started_{};
    // (pid, start time, cgroup, name) -> makers.id, for the makers of this run; cleared on a
    // rollback (the rows may be gone) and when it grows past kMaxMakers.
    std::map<std::tuple<std::int32_t, std::int64_t, std::uint64_t, std::string>, std::int64_t>
        makers_;
    // pid -> unit (cgroup path) as the start snapshot and record_process() told it: events
    // carry only the cgroup id.
    std::map<std::int32_t, std::string> units_;
    static constexpr std::size_t kMaxMakers = 65536;
};

}  // namespace portwatch::store
