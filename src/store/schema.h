#pragma once
// The schema (schema.sql, embedded at build time) as numbered migrations, and the one function
// that brings a database up to date: PRAGMA user_version says which migrations it has.

#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/db.h"

namespace portwatch::store {

struct Migration {
    int version = 0;       // the user_version the database has after it
    std::string_view sql;  // the `-- version N` block of schema.sql
};

// The migrations in order, version 1 first.
const std::vector<Migration>& migrations();
// The version a database has once every migration ran.
int schema_version();

// Runs the migrations a writable database lacks, each in its own transaction, up to
// `up_to` (schema_version() when 0: tests pass less to make an older database). A database
// newer than this portwatch is refused (ErrorKind::Unsupported), not touched.
Result<void> migrate(Db& db, int up_to = 0);

}  // namespace portwatch::store
