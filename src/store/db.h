#pragma once
// RAII owners of a SQLite connection and of a prepared statement, built by create(). Every
// SQLite failure becomes a core Error whose kind the monitor can act on: a full disk is
// ErrorKind::Exhausted (errno ENOSPC), a database another process holds locked is
// ErrorKind::Io (errno EBUSY) with a message saying so, never a hang past the busy timeout.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace portwatch::store {

enum class OpenMode {
    ReadWrite,  // create the file if missing (not its directory: see open_history)
    ReadOnly,   // the file must exist; never written (queries)
};

class Statement;

class Db {
  public:
    // ":memory:" gives a private in-memory database. `busy_timeout` bounds how long a
    // statement waits for another connection's lock before failing with ErrorKind::Io.
    static Result<Db> create(
        const std::string& path, OpenMode mode,
        std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(1000));
    Db(Db&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) { other.db_ = nullptr; }
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    // Runs one or more statements that return no rows.
    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    // A one-number query ("PRAGMA user_version").
    Result<std::int64_t> query_int(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    bool in_transaction() const;
    bool is_open() const { return db_ != nullptr; }  // false once moved from
    const std::string& path() const { return path_; }

  private:
    Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    std::string path_;
};

class Statement {
  public:
    Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are numbered from 1, as in SQL ("?1").
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<double>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    // true: a row is ready to read; false: done. The statement is reset (and its parameters
    // kept) when it is done or fails, so it can run again.
    Result<bool> step();
    // step() to the end of a statement that returns no rows.
    Result<void> run();
    // step() to the end, handing every row to `row(const Statement&)`.
    template <typename Row>
    Result<void> each(Row&& row) {
        for (;;) {
            auto more = step();
            if (!more) {
                return std::unexpected(more.error());
            }
            if (!*more) {
                return {};
            }
            row(static_cast<const Statement&>(*this));
        }
    }
    void reset();

    std::int64_t column_int(int index) const;
    double column_double(int index) const;
    std::string column_text(int index) const;
    bool column_null(int index) const;
    bool column_is_integer(int index) const;

  private:
    friend class Db;
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    sqlite3_stmt* stmt_ = nullptr;  // its connection is sqlite3_db_handle(stmt_)
};

// What a SQLite result code means to portwatch: its ErrorKind, the errno it stands for, and
// "`what`: <SQLite's message>" (plus what to do, for a lock or a full disk).
Error sqlite_error(int rc, int system_errno, std::string_view what, std::string_view message);

}  // namespace portwatch::store
