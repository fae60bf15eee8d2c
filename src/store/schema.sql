-- The history database's schema: the one source of truth. It is embedded into the binary at
-- build time (src/store/CMakeLists.txt generates schema_sql.h from this file) and applied as
-- numbered migrations: each `-- version N` block takes a database at user_version N-1 to N, in
-- one transaction. Never edit a released block; add the next one.
--
-- Times are milliseconds since the Unix epoch (UTC). Addresses (columns *_addr, declared BLOB
-- so SQLite converts nothing) are an IPv4 address as an integer (10.0.0.1 = 167772161: 4 bytes
-- instead of 9-16 of text, the commonest case at a row per port), anything else as text as
-- core::Endpoint::address_text prints it (IPv6, zones, names); ports are numbers; protocol 0 = TCP, 1 = UDP; states are core::TcpState numbers
-- (the kernel's). A row's maker is the process that made the socket, as recorded (makers).

-- version 1
-- Port Reporter's log: runs, the state at each start, every port taken and released, process
-- starts and exits, failed allocations.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started INTEGER NOT NULL,
    ended INTEGER,
    hostname TEXT NOT NULL,
    source TEXT NOT NULL,   -- the event source: "ebpf", "poll"
    scope TEXT NOT NULL,    -- the namespace watched, '' for the monitor's own
    version TEXT NOT NULL,
    lost INTEGER NOT NULL DEFAULT 0  -- events the source dropped (ring buffer full)
);

-- One process as an event source saw it; rows share it instead of repeating the names.
CREATE TABLE makers (
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,      -- 0 when unknown
    name TEXT NOT NULL,        -- comm
    unit TEXT NOT NULL,        -- cgroup path or systemd unit, '' when unknown
    cgroup_id INTEGER NOT NULL,
    start_time INTEGER NOT NULL  -- process start, seconds since the epoch; 0 when unknown
);
CREATE INDEX makers_name ON makers (name);

-- Every socket at the start of a run, with its first owner and how many it had.
CREATE TABLE start_sockets (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    protocol INTEGER NOT NULL,
    state INTEGER NOT NULL,
    local_addr BLOB NOT NULL,
    local_port INTEGER NOT NULL,
    remote_addr BLOB NOT NULL,
    remote_port INTEGER NOT NULL,
    cookie INTEGER NOT NULL,
    netns INTEGER NOT NULL,
    maker_id INTEGER REFERENCES makers (id),  -- NULL when ownerless
    owners INTEGER NOT NULL
);
CREATE INDEX start_sockets_run ON start_sockets (run_id);

-- Every port taken (kind 0), every state change (1), every port released (2).
CREATE TABLE port_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    run_id INTEGER,
    kind INTEGER NOT NULL,
    protocol INTEGER NOT NULL,
    from_state INTEGER NOT NULL,
    to_state INTEGER NOT NULL,
    local_addr BLOB NOT NULL,
    local_port INTEGER NOT NULL,
    remote_addr BLOB NOT NULL,
    remote_port INTEGER NOT NULL,
    cookie INTEGER NOT NULL,
    netns INTEGER NOT NULL,
    maker_id INTEGER REFERENCES makers (id),
    exact INTEGER NOT NULL  -- 1: the maker was recorded in its own context; 0: inferred
);
CREATE INDEX port_events_at ON port_events (at);

CREATE TABLE process_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    run_id INTEGER,
    started INTEGER NOT NULL,  -- 1: started, 0: exited
    pid INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    ports INTEGER NOT NULL     -- ports held at that moment
);
CREATE INDEX process_events_at ON process_events (at);

-- A connect() or bind() the kernel refused a port, once per call.
CREATE TABLE failures (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    run_id INTEGER,
    protocol INTEGER NOT NULL,
    call TEXT NOT NULL,   -- "connect", "bind"
    error INTEGER NOT NULL,  -- errno
    local_addr BLOB NOT NULL,
    local_port INTEGER NOT NULL,
    remote_addr BLOB NOT NULL,
    remote_port INTEGER NOT NULL,
    netns INTEGER NOT NULL,
    maker_id INTEGER REFERENCES makers (id)
);
CREATE INDEX failures_at ON failures (at);

-- version 2
-- The monitor's per-minute rollups and the moments pools crossed a severity.
CREATE TABLE pool_minutes (
    at INTEGER NOT NULL,
    run_id INTEGER,
    pool TEXT NOT NULL,
    kind TEXT NOT NULL,
    netns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    used INTEGER NOT NULL,
    established INTEGER NOT NULL,
    time_wait INTEGER NOT NULL,
    close_wait INTEGER NOT NULL,
    other INTEGER NOT NULL,
    severity TEXT NOT NULL,
    seconds_left REAL  -- NULL when not growing
);
CREATE INDEX pool_minutes_at ON pool_minutes (at);

CREATE TABLE process_minutes (
    at INTEGER NOT NULL,
    run_id INTEGER,
    pid INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    ports INTEGER NOT NULL,
    established INTEGER NOT NULL,
    time_wait INTEGER NOT NULL,
    close_wait INTEGER NOT NULL,
    other INTEGER NOT NULL,
    time_wait_exact INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    top_destination TEXT NOT NULL
);
CREATE INDEX process_minutes_at ON process_minutes (at);

CREATE TABLE crossings (
    at INTEGER NOT NULL,
    run_id INTEGER,
    pool TEXT NOT NULL,
    from_severity TEXT NOT NULL,
    to_severity TEXT NOT NULL,
    utilisation REAL NOT NULL
);
CREATE INDEX crossings_at ON crossings (at);

-- version 3
-- Which end opened each connection (core::Direction): 0 unknown (no peer, or a source that
-- cannot tell), 1 outbound (this host's connect()), 2 inbound (accepted on a listening port).
-- `portwatch history remotes` counts outbound rows only. Rows written before: inbound where
-- the state at their run's start had a listener (TCP LISTEN, or unconnected UDP) on their
-- local port and address (or a wildcard one), outbound otherwise; a listener opened during a
-- run is not known for them.
ALTER TABLE port_events ADD COLUMN direction INTEGER NOT NULL DEFAULT 0;
-- One index seek per row instead of a walk of the run's start (100k sockets a run), dropped
-- once the rows have their direction.
CREATE INDEX start_sockets_port ON start_sockets (run_id, protocol, local_port);
UPDATE port_events SET direction = CASE WHEN EXISTS (
    SELECT 1 FROM start_sockets l
    WHERE l.run_id = port_events.run_id AND l.protocol = port_events.protocol
      AND l.local_port = port_events.local_port
      AND (CASE WHEN l.protocol = 0 THEN l.state = 10 ELSE l.remote_port = 0 END)
      AND (l.local_addr = port_events.local_addr OR l.local_addr IN (0, '::')))
    THEN 2 ELSE 1 END
WHERE remote_port != 0;
DROP INDEX start_sockets_port;

-- version 4
-- Accepted connections apart. From this version a process minute's `ports` and its state
-- counts are the sockets it took a local port for (connections it opened, listeners, bound and
-- UDP sockets); connections accepted on its listeners share the listener's port, take none
-- from the range, and are counted in `accepted`. Rows recorded before count them in `ports`
-- (their `accepted` is 0).
ALTER TABLE process_minutes ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
-- The host's facts as diagnose states them (analyze/host_fact_lines.h: the range and its
-- origin, the ports it loses, tcp_tw_reuse, the TIME_WAIT length, the kernel, each neighbouring
-- limit), as label and text. The monitor records the whole set at a minute's end when any
-- line changed, and at least hourly: the newest set at or before a time is the host then.
CREATE TABLE host_facts (
    at INTEGER NOT NULL,
    run_id INTEGER,
    label TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX host_facts_at ON host_facts (at);
