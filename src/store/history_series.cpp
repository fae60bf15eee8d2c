#include "store/history_series.h"

#include <algorithm>
#include <limits>

#include "store/time_units.h"

namespace portwatch::store {

namespace {

// Runs `sql` with ?1 = since and ?2 = until bound and hands every row to `row`.
template <typename Row>
Result<void> each_row(Db& db, const std::string& sql, const HistoryFilter& filter, Row&& row) {
    auto s = db.prepare(sql);
    if (!s) {
        return std::unexpected(s.error());
    }
    s->bind(1, filter.since ? to_ms(*filter.since) : std::numeric_limits<std::int64_t>::min());
    s->bind(2, filter.until ? to_ms(*filter.until) : std::numeric_limits<std::int64_t>::max());
    return s->each(row);
}

std::uint32_t u32(std::int64_t v) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, UINT32_MAX));
}

Result<void> read_all(Db& db, const HistoryFilter& filter, HistorySeries& out) {
    auto ok = each_row(
        db,
        "SELECT at, pool, kind, netns, size, used, established, time_wait, close_wait, other, "
        "severity, seconds_left FROM pool_minutes WHERE at >= ?1 AND at < ?2 ORDER BY at, pool",
        filter, [&](const Statement& s) {
            PoolSample p;
            p.at = from_ms(s.column_int(0));
            p.pool = s.column_text(1);
            p.kind = s.column_text(2);
            p.netns = static_cast<std::uint64_t>(s.column_int(3));
            p.size = u32(s.column_int(4));
            p.used = u32(s.column_int(5));
            p.established = u32(s.column_int(6));
            p.time_wait = u32(s.column_int(7));
            p.close_wait = u32(s.column_int(8));
            p.other = u32(s.column_int(9));
            p.severity = s.column_text(10);
            if (!s.column_null(11)) {  // NULL: not growing
                p.seconds_left = s.column_double(11);
            }
            out.pools.push_back(std::move(p));
        });
    if (!ok) {
        return ok;
    }
    ok = each_row(db,
                  "SELECT at, pid, name, unit, ports, established, time_wait, close_wait, other, "
                  "time_wait_exact, opened, closed, failures, top_destination, accepted "
                  "FROM process_minutes "
                  "WHERE at >= ?1 AND at < ?2 ORDER BY at, pid",
                  filter, [&](const Statement& s) {
                      ProcessSample p;
                      p.at = from_ms(s.column_int(0));
                      p.pid = static_cast<std::int32_t>(s.column_int(1));
                      p.name = s.column_text(2);
                      p.unit = s.column_text(3);
                      p.ports = u32(s.column_int(4));
                      p.established = u32(s.column_int(5));
                      p.time_wait = u32(s.column_int(6));
                      p.close_wait = u32(s.column_int(7));
                      p.other = u32(s.column_int(8));
                      p.time_wait_exact = u32(s.column_int(9));
                      p.opened = u32(s.column_int(10));
                      p.closed = u32(s.column_int(11));
                      p.failures = u32(s.column_int(12));
                      p.top_destination = s.column_text(13);
                      p.accepted = u32(s.column_int(14));
                      out.processes.push_back(std::move(p));
                  });
    if (!ok) {
        return ok;
    }
    ok = each_row(db,
                  "SELECT at / 60000, COUNT(*) FROM failures WHERE at >= ?1 AND at < ?2 "
                  "GROUP BY 1 ORDER BY 1",
                  filter, [&](const Statement& s) {
                      out.failures.push_back({from_ms(s.column_int(0) * 60000),
                                              static_cast<std::uint64_t>(s.column_int(1))});
                  });
    if (!ok) {
        return ok;
    }
    // The host as last recorded by the window's end (the set may be older than the window).
    ok = each_row(db,
                  "SELECT at, label, value FROM host_facts WHERE at = "
                  "(SELECT MAX(at) FROM host_facts WHERE at < ?2) ORDER BY rowid",
                  filter, [&](const Statement& s) {
                      out.facts_at = from_ms(s.column_int(0));
                      out.facts.push_back({s.column_text(1), s.column_text(2)});
                  });
    if (!ok) {
        return ok;
    }
    // The runs that overlap the window.
    return each_row(db,
                    "SELECT hostname, source, lost FROM runs WHERE started < ?2 AND "
                    "(ended IS NULL OR ended >= ?1) ORDER BY started",
                    filter, [&](const Statement& s) {
                        auto add = [](std::vector<std::string>& to, std::string v) {
                            if (std::find(to.begin(), to.end(), v) == to.end()) {
                                to.push_back(std::move(v));
                            }
                        };
                        add(out.hostnames, s.column_text(0));
                        add(out.sources, s.column_text(1));
                        out.lost +=
                            static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.column_int(2)));
                    });
}

}  // namespace

Result<HistorySeries> read_series(Db& db, const HistoryFilter& filter) {
    HistorySeries out;
    // One read transaction: the series agree with each other however much the writer adds.
    if (auto ok = db.exec("BEGIN"); !ok) {
        return std::unexpected(ok.error());
    }
    auto ok = read_all(db, filter, out);
    (void)db.exec(ok ? "COMMIT" : "ROLLBACK");
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

}  // namespace portwatch::store
