#pragma once
// Where the history lives, and opening it: /var/lib/portwatch/history.db as root, else
// $XDG_STATE_HOME/portwatch/history.db ($HOME/.local/state/... when XDG_STATE_HOME is unset or
// not absolute, as the XDG base directory specification says). `--db PATH` overrides both.

#include <chrono>
#include <string>

#include "core/result.h"
#include "store/db.h"

namespace portwatch::store {

// The pure rule, for tests: root or not, and the two variables (nullptr when unset).
Result<std::string> default_history_path(bool root, const char* xdg_state_home, const char* home);
// The rule applied to this process (geteuid, getenv).
Result<std::string> default_history_path();

struct OpenOptions {
    // How long a statement waits for another connection's lock before ErrorKind::Io. Short,
    // so a monitor whose database someone holds keeps watching instead of hanging.
    std::chrono::milliseconds busy_timeout{1000};
};

// Opens the history at `path` ready for use. ReadWrite (the monitor): creates the missing
// directories (mode 0750) and the file, sets WAL, synchronous=NORMAL, incremental
// auto-vacuum (on a new file), and migrates the schema to this portwatch's version.
// ReadOnly (`portwatch history`): the file must exist and have this portwatch's schema
// version; nothing is written, and a running writer is never blocked (WAL).
// ":memory:" gives a private in-memory database (ReadWrite only).
Result<Db> open_history(const std::string& path, OpenMode mode, const OpenOptions& options = {});

}  // namespace portwatch::store
