#include "store/db.h"

#include <sqlite3.h>

#include <cerrno>
#include <utility>

namespace portwatch::store {

namespace {

Error connection_error(sqlite3* db, int rc, std::string_view what) {
    const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int system_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
    return sqlite_error(rc, system_errno, what, message != nullptr ? message : "");
}

}  // namespace

Error sqlite_error(int rc, int system_errno, std::string_view what, std::string_view message) {
    std::string text = std::string(what) + ": " + std::string(message);
    switch (rc & 0xff) {
        case SQLITE_FULL:
            return Error{ErrorKind::Exhausted, ENOSPC, text + " (disk full)"};
        case SQLITE_NOMEM:
            return Error{ErrorKind::Exhausted, ENOMEM, text};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Error{ErrorKind::Io, EBUSY,
                         text + " (another process holds the history database locked)"};
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return Error{ErrorKind::PermissionDenied, system_errno != 0 ? system_errno : EACCES,
                         text};
        case SQLITE_CANTOPEN:
            if (system_errno == ENOENT) {
                return Error{ErrorKind::NotFound, ENOENT, text};
            }
            if (system_errno == EACCES || system_errno == EPERM) {
                return Error{ErrorKind::PermissionDenied, system_errno, text};
            }
            return Error{ErrorKind::Io, system_errno, text};
        case SQLITE_IOERR:
            // A write that met ENOSPC under another name (the WAL index, a truncate).
            if (system_errno == ENOSPC || system_errno == EDQUOT) {
                return Error{ErrorKind::Exhausted, system_errno, text + " (disk full)"};
            }
            return Error{ErrorKind::Io, system_errno, text};
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Error{ErrorKind::Io, 0, text + " (not a readable history database)"};
        case SQLITE_MISUSE:
        case SQLITE_RANGE:
        case SQLITE_INTERNAL:
            return Error{ErrorKind::Internal, 0, text};
        default:
            return Error{ErrorKind::Io, system_errno, text};
    }
}

Result<Db> Db::create(const std::string& path, OpenMode mode,
                      std::chrono::milliseconds busy_timeout) {
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                                        : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db(raw, path);  // owns the handle even when the open failed
    if (rc != SQLITE_OK) {
        return std::unexpected(connection_error(raw, rc, path));
    }
    sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
    return db;
}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        if (db_ != nullptr) {
            sqlite3_close_v2(db_);
        }
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

Db::~Db() {
    if (db_ != nullptr) {
        sqlite3_close_v2(db_);  // waits for no statement: they finalize on their own
    }
}

Result<void> Db::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        return std::unexpected(connection_error(db_, rc, path_));
    }
    return {};
}

Result<Statement> Db::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return std::unexpected(connection_error(db_, rc, path_));
    }
    return Statement(stmt);
}

Result<std::int64_t> Db::query_int(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (!*row) {
        return std::unexpected(Error{ErrorKind::Internal, 0, std::string(sql) + ": no row"});
    }
    std::int64_t value = stmt->column_int(0);
    stmt->reset();
    return value;
}

std::int64_t Db::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

bool Db::in_transaction() const {
    return sqlite3_get_autocommit(db_) == 0;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

// Binding can only fail for an index out of range or a statement already running: both
// bugs in portwatch that the next step() reports as SQLITE_MISUSE/RANGE (ErrorKind::Internal).
Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    sqlite3_reset(stmt_);
    if (rc == SQLITE_DONE) {
        return false;
    }
    sqlite3* db = sqlite3_db_handle(stmt_);
    return std::unexpected(connection_error(db, rc, sqlite3_db_filename(db, "main")));
}

Result<void> Statement::run() {
    return each([](const Statement&) {});
}

void Statement::reset() {
    sqlite3_reset(stmt_);
}

std::int64_t Statement::column_int(int index) const {
    return sqlite3_column_int64(stmt_, index);
}

double Statement::column_double(int index) const {
    return sqlite3_column_double(stmt_, index);
}

std::string Statement::column_text(int index) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    int size = sqlite3_column_bytes(stmt_, index);
    return text != nullptr ? std::string(reinterpret_cast<const char*>(text), size) : std::string();
}

bool Statement::column_is_integer(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_INTEGER;
}

bool Statement::column_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace portwatch::store
