#include "store/schema.h"

#include <charconv>
#include <string>

#include "schema_sql.h"

namespace portwatch::store {

namespace {

// Splits schema.sql at its `-- version N` lines. Text before the first one is the header.
std::vector<Migration> split(std::string_view text) {
    constexpr std::string_view kMarker = "\n-- version ";
    std::vector<Migration> out;
    std::size_t at = text.find(kMarker);
    while (at != std::string_view::npos) {
        std::size_t number = at + kMarker.size();
        std::size_t eol = text.find('\n', number);
        int version = 0;
        std::from_chars(text.data() + number, text.data() + (eol == text.npos ? text.size() : eol),
                        version);
        std::size_t next = eol == text.npos ? text.npos : text.find(kMarker, eol);
        std::size_t end = next == text.npos ? text.size() : next;
        std::size_t begin = eol == text.npos ? text.size() : eol + 1;
        out.push_back(Migration{version, text.substr(begin, end - begin)});
        at = next;
    }
    return out;
}

}  // namespace

const std::vector<Migration>& migrations() {
    // Built once from a constant; never changes after (not mutable state).
    static const std::vector<Migration> all = split(generated::kSchemaSql);
    return all;
}

int schema_version() {
    return migrations().empty() ? 0 : migrations().back().version;
}

Result<void> migrate(Db& db, int up_to) {
    if (up_to == 0) {
        up_to = schema_version();
    }
    auto current = db.query_int("PRAGMA user_version");
    if (!current) {
        return std::unexpected(current.error());
    }
    if (*current > schema_version()) {
        return std::unexpected(
            Error{ErrorKind::Unsupported, 0,
                  db.path() + ": history schema version " + std::to_string(*current) +
                      " is newer than this portwatch knows (" + std::to_string(schema_version()) +
                      "): upgrade portwatch or use another --db"});
    }
    for (const Migration& m : migrations()) {
        if (m.version <= *current || m.version > up_to) {
            continue;
        }
        // BEGIN IMMEDIATE: two writers opening one new database at once do not both migrate.
        if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) {
            return ok;
        }
        auto again = db.query_int("PRAGMA user_version");
        Result<void> ok;
        if (!again) {
            ok = std::unexpected(again.error());
        } else if (*again < m.version) {
            ok = db.exec(m.sql);
            if (ok) {
                ok = db.exec("PRAGMA user_version = " + std::to_string(m.version));
            }
        }
        if (!ok) {
            (void)db.exec("ROLLBACK");
            return std::unexpected(with_context(
                ok.error(), "migrating to schema version " + std::to_string(m.version)));
        }
        if (auto done = db.exec("COMMIT"); !done) {
            (void)db.exec("ROLLBACK");
            return done;
        }
    }
    return {};
}

}  // namespace portwatch::store
