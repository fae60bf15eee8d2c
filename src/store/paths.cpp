#include "store/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "store/schema.h"

namespace portwatch::store {

namespace {

// mkdir -p of the directories above `path`'s file name.
Result<void> make_parent_directories(const std::string& path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) {
        return {};
    }
    const std::string dir = path.substr(0, slash);
    for (std::size_t at = 1; at != std::string::npos;) {
        at = dir.find('/', at + 1);
        const std::string part = dir.substr(0, at);
        if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
            return make_errno_error(errno, "creating " + part);
        }
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        return make_errno_error(errno, dir);
    }
    if (!S_ISDIR(st.st_mode)) {
        return make_errno_error(ENOTDIR, dir);
    }
    return {};
}

Result<void> configure_writer(Db& db) {
    auto pages = db.query_int("PRAGMA page_count");
    if (!pages) {
        return std::unexpected(pages.error());
    }
    if (*pages == 0) {
        // Only a file without tables can change its auto-vacuum mode: retention frees pages
        // and `PRAGMA incremental_vacuum` gives them back to the file system.
        if (auto ok = db.exec("PRAGMA auto_vacuum = INCREMENTAL"); !ok) {
            return ok;
        }
    }
    // WAL: readers never block the writer and the writer never blocks readers.
    // synchronous=NORMAL: a commit is not fsynced, but it survives the process being killed
    // (the OS has it); a power cut may lose the last commits, never the file's consistency.
    return db.exec(
        "PRAGMA journal_mode = WAL;"
        "PRAGMA synchronous = NORMAL;"
        "PRAGMA journal_size_limit = 67108864;");
}

}  // namespace

Result<std::string> default_history_path(bool root, const char* xdg_state_home, const char* home) {
    if (root) {
        return std::string("/var/lib/portwatch/history.db");
    }
    if (xdg_state_home != nullptr && xdg_state_home[0] == '/') {
        return std::string(xdg_state_home) + "/portwatch/history.db";
    }
    if (home != nullptr && home[0] == '/') {
        return std::string(home) + "/.local/state/portwatch/history.db";
    }
    return make_error(ErrorKind::NotFound,
                      "no place for the history: neither XDG_STATE_HOME nor HOME is an absolute "
                      "path (give --db PATH)");
}

Result<std::string> default_history_path() {
    return default_history_path(::geteuid() == 0, std::getenv("XDG_STATE_HOME"),
                                std::getenv("HOME"));
}

Result<Db> open_history(const std::string& path, OpenMode mode, const OpenOptions& options) {
    if (path.empty()) {
        return make_error("history: empty database path");
    }
    const bool memory = path == ":memory:";
    if (mode == OpenMode::ReadWrite && !memory) {
        if (auto ok = make_parent_directories(path); !ok) {
            return std::unexpected(ok.error());
        }
    }
    if (mode == OpenMode::ReadOnly && !memory && ::access(path.c_str(), F_OK) != 0) {
        return make_errno_error(errno, path);
    }
    auto db = Db::create(path, mode, options.busy_timeout);
    if (!db) {
        return std::unexpected(db.error());
    }
    if (mode == OpenMode::ReadWrite) {
        if (auto ok = configure_writer(*db); !ok) {
            return std::unexpected(ok.error());
        }
        if (auto ok = migrate(*db); !ok) {
            return std::unexpected(ok.error());
        }
        return db;
    }
    auto version = db->query_int("PRAGMA user_version");
    if (!version) {
        return std::unexpected(version.error());
    }
    if (*version != schema_version()) {
        std::string why = *version == 0 ? "is not a portwatch history database"
                          : *version < schema_version()
                              ? "has an older history schema (version " + std::to_string(*version) +
                                    "); a monitor run upgrades it"
                              : "has a newer history schema (version " + std::to_string(*version) +
                                    ") than this portwatch knows";
        return std::unexpected(
            Error{*version > schema_version() ? ErrorKind::Unsupported : ErrorKind::Invalid, 0,
                  path + ": " + why});
    }
    return db;
}

}  // namespace portwatch::store
