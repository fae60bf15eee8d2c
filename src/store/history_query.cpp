#include "store/history_query.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "store/address_column.h"
#include "store/time_units.h"

namespace portwatch::store {

namespace {

// The WHERE clause every event question shares: ?1 <= at < ?2, and the processes asked for as
// ?3, ?4, ... (a decimal one is a pid, anything else a name). `at` and `m` name the time
// column and the makers alias.
struct Where {
    std::string sql;
    const HistoryFilter* filter;

    void bind(Statement& s) const {
        s.bind(1, filter->since ? to_ms(*filter->since) : std::numeric_limits<std::int64_t>::min());
        s.bind(2, filter->until ? to_ms(*filter->until) : std::numeric_limits<std::int64_t>::max());
        int index = 3;
        for (const auto& p : filter->processes) {
            s.bind(index++, std::string_view(p));
        }
    }
};

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

Where where(const HistoryFilter& filter, std::string_view at) {
    std::string sql = std::string(at) + " >= ?1 AND " + std::string(at) + " < ?2";
    if (!filter.processes.empty()) {
        sql += " AND (";
        int index = 3;
        for (std::size_t i = 0; i < filter.processes.size(); ++i, ++index) {
            sql += i == 0 ? "" : " OR ";
            // A pid is compared as a number (CAST of the bound text), a name as text.
            sql += all_digits(filter.processes[i])
                       ? "m.pid = CAST(?" + std::to_string(index) + " AS INTEGER)"
                       : "m.name = ?" + std::to_string(index);
        }
        sql += ")";
    }
    return Where{std::move(sql), &filter};
}

std::string limit(const HistoryFilter& filter) {
    return filter.limit == 0 ? "" : " LIMIT " + std::to_string(filter.limit);
}

// Runs `sql` with the filter bound and hands every row to `row`.
template <typename Row>
Result<void> each_row(Db& db, const std::string& sql, const Where& w, Row&& row) {
    auto s = db.prepare(sql);
    if (!s) {
        return std::unexpected(s.error());
    }
    w.bind(*s);
    return s->each(row);
}

std::string_view protocol_text(std::int64_t p) {
    return p == 1 ? "udp" : "tcp";
}

int severity_rank(std::string_view s) {
    return s == "EXHAUSTED" ? 3 : s == "CRITICAL" ? 2 : s == "WARNING" ? 1 : 0;
}

}  // namespace

std::string_view question_name(HistoryQuestion q) {
    switch (q) {
        case HistoryQuestion::Processes:
            return "processes";
        case HistoryQuestion::Remotes:
            return "remotes";
        case HistoryQuestion::Hours:
            return "hours";
        case HistoryQuestion::Failures:
            return "failures";
        case HistoryQuestion::Pools:
            return "pools";
        case HistoryQuestion::Crossings:
            return "crossings";
    }
    return "?";
}

Result<std::vector<ProcessPorts>> ports_per_process(Db& db, const HistoryFilter& filter) {
    Where w = where(filter, "e.at");
    std::vector<ProcessPorts> out;
    auto ok =
        each_row(db,
                 "SELECT COALESCE(m.pid, 0), COALESCE(m.name, ''), COALESCE(MAX(m.unit), ''), "
                 "SUM(e.kind = 0), SUM(e.kind = 2), "
                 "COUNT(DISTINCT CASE WHEN e.kind = 0 THEN e.local_port END), "
                 "SUM(e.kind = 0 AND e.exact), MIN(e.at), MAX(e.at) "
                 "FROM port_events e LEFT JOIN makers m ON m.id = e.maker_id WHERE " +
                     w.sql + " GROUP BY 1, 2 ORDER BY 4 DESC, 5 DESC, 2, 1" + limit(filter),
                 w, [&](const Statement& s) {
                     ProcessPorts p;
                     p.pid = static_cast<std::int32_t>(s.column_int(0));
                     p.name = s.column_text(1);
                     p.unit = s.column_text(2);
                     p.opened = s.column_int(3);
                     p.closed = s.column_int(4);
                     p.distinct_ports = s.column_int(5);
                     p.exact = s.column_int(6);
                     p.first = from_ms(s.column_int(7));
                     p.last = from_ms(s.column_int(8));
                     out.push_back(std::move(p));
                 });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<RemoteUse>> remote_endpoints(Db& db, const HistoryFilter& filter) {
    Where w = where(filter, "e.at");
    // Connections this host made (direction 1: connect()), not the peers that connected to
    // its listeners: their remote ports are the peers' ephemeral ones.
    const std::string from =
        " FROM port_events e LEFT JOIN makers m ON m.id = e.maker_id "
        "WHERE e.kind = 0 AND e.direction = 1 AND e.remote_port != 0 AND " +
        w.sql;
    std::vector<RemoteUse> out;
    std::map<std::tuple<std::string, std::string, std::uint16_t>, std::size_t> index;
    auto ok = each_row(
        db,
        "SELECT e.protocol, e.remote_addr, e.remote_port, COUNT(*), COUNT(DISTINCT m.pid), "
        "MIN(e.at), MAX(e.at)" +
            from + " GROUP BY 1, 2, 3 ORDER BY 4 DESC, 2, 3" + limit(filter),
        w, [&](const Statement& s) {
            RemoteUse r;
            r.protocol = protocol_text(s.column_int(0));
            r.address = address_column(s, 1);
            r.port = static_cast<std::uint16_t>(s.column_int(2));
            r.connections = s.column_int(3);
            r.processes = s.column_int(4);
            r.first = from_ms(s.column_int(5));
            r.last = from_ms(s.column_int(6));
            index.emplace(std::make_tuple(r.protocol, r.address, r.port), out.size());
            out.push_back(std::move(r));
        });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    // The process that connected most to each endpoint listed (ties: the first name).
    std::vector<std::uint64_t> best(out.size(), 0);
    ok = each_row(db,
                  "SELECT e.protocol, e.remote_addr, e.remote_port, m.name, COUNT(*)" + from +
                      " AND m.name IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 4",
                  w, [&](const Statement& s) {
                      auto it = index.find(std::make_tuple(
                          std::string(protocol_text(s.column_int(0))), address_column(s, 1),
                          static_cast<std::uint16_t>(s.column_int(2))));
                      if (it == index.end()) {
                          return;
                      }
                      auto count = static_cast<std::uint64_t>(s.column_int(4));
                      if (count > best[it->second]) {
                          best[it->second] = count;
                          out[it->second].top_process = s.column_text(3);
                      }
                  });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<HourUse>> use_by_hour(Db& db, const HistoryFilter& filter) {
    std::vector<HourUse> out(24);
    for (int h = 0; h < 24; ++h) {
        out[h].hour = h;
    }
    Where w = where(filter, "e.at");
    auto ok = each_row(db,
                       "SELECT (e.at / 3600000) % 24, COUNT(*) FROM port_events e LEFT JOIN "
                       "makers m ON m.id = e.maker_id WHERE e.kind = 0 AND " +
                           w.sql + " GROUP BY 1",
                       w, [&](const Statement& s) {
                           auto h = s.column_int(0);
                           if (h >= 0 && h < 24) {
                               out[h].opened = s.column_int(1);
                           }
                       });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    Where f = where(filter, "f.at");
    ok = each_row(db,
                  "SELECT (f.at / 3600000) % 24, COUNT(*) FROM failures f LEFT JOIN makers m "
                  "ON m.id = f.maker_id WHERE " +
                      f.sql + " GROUP BY 1",
                  f, [&](const Statement& s) {
                      auto h = s.column_int(0);
                      if (h >= 0 && h < 24) {
                          out[h].failures = s.column_int(1);
                      }
                  });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<FailureGroup>> failed_allocations(Db& db, const HistoryFilter& filter) {
    Where w = where(filter, "f.at");
    std::vector<FailureGroup> out;
    auto ok = each_row(db,
                       "SELECT COALESCE(m.pid, 0), COALESCE(m.name, ''), f.call, f.error, "
                       "CASE WHEN f.call = 'bind' THEN f.local_addr ELSE f.remote_addr END, "
                       "CASE WHEN f.call = 'bind' THEN f.local_port ELSE f.remote_port END, "
                       "COUNT(*), MIN(f.at), MAX(f.at) "
                       "FROM failures f LEFT JOIN makers m ON m.id = f.maker_id WHERE " +
                           w.sql + " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 7 DESC, 2, 1, 5, 6" +
                           limit(filter),
                       w, [&](const Statement& s) {
                           FailureGroup g;
                           g.pid = static_cast<std::int32_t>(s.column_int(0));
                           g.name = s.column_text(1);
                           g.call = s.column_text(2);
                           g.error = static_cast<int>(s.column_int(3));
                           g.address = address_column(s, 4);
                           g.port = static_cast<std::uint16_t>(s.column_int(5));
                           g.count = s.column_int(6);
                           g.first = from_ms(s.column_int(7));
                           g.last = from_ms(s.column_int(8));
                           out.push_back(std::move(g));
                       });
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<PoolPeak>> pool_peaks(Db& db, const HistoryFilter& filter) {
    // Pools are not filtered by process: the filter's processes are not bound here.
    HistoryFilter pools_only = filter;
    pools_only.processes.clear();
    Where w{"at >= ?1 AND at < ?2 AND (?3 = '' OR instr(pool, ?3) > 0)", &pools_only};
    auto bind_pool = [&](Statement& s) { s.bind(3, std::string_view(filter.pool)); };
    std::vector<PoolPeak> out;
    std::map<std::string, std::size_t> index;
    // SQLite gives the bare columns of the row holding the one MAX(): the peak's own time.
    auto s = db.prepare(
        "SELECT * FROM (SELECT pool, kind, size, MAX(used) AS peak, at, COUNT(*) "
        "FROM pool_minutes WHERE " +
        w.sql + " GROUP BY pool) ORDER BY peak * 1.0 / MAX(size, 1) DESC, pool" + limit(filter));
    if (!s) {
        return std::unexpected(s.error());
    }
    w.bind(*s);
    bind_pool(*s);
    for (;;) {
        auto more = s->step();
        if (!more) {
            return std::unexpected(more.error());
        }
        if (!*more) {
            break;
        }
        PoolPeak p;
        p.pool = s->column_text(0);
        p.kind = s->column_text(1);
        p.size = static_cast<std::uint32_t>(s->column_int(2));
        p.peak_used = static_cast<std::uint32_t>(s->column_int(3));
        p.peak_at = from_ms(s->column_int(4));
        p.minutes = s->column_int(5);
        p.worst_severity = "OK";
        index.emplace(p.pool, out.size());
        out.push_back(std::move(p));
    }
    auto sev = db.prepare("SELECT pool, severity FROM pool_minutes WHERE " + w.sql +
                          " GROUP BY pool, severity");
    if (!sev) {
        return std::unexpected(sev.error());
    }
    w.bind(*sev);
    bind_pool(*sev);
    for (;;) {
        auto more = sev->step();
        if (!more) {
            return std::unexpected(more.error());
        }
        if (!*more) {
            break;
        }
        auto it = index.find(sev->column_text(0));
        if (it == index.end()) {
            continue;
        }
        std::string severity = sev->column_text(1);
        if (severity_rank(severity) > severity_rank(out[it->second].worst_severity)) {
            out[it->second].worst_severity = std::move(severity);
        }
    }
    return out;
}

Result<std::vector<Crossing>> crossings(Db& db, const HistoryFilter& filter) {
    HistoryFilter pools_only = filter;
    pools_only.processes.clear();
    Where w{"at >= ?1 AND at < ?2 AND (?3 = '' OR instr(pool, ?3) > 0)", &pools_only};
    auto s = db.prepare(
        "SELECT at, pool, from_severity, to_severity, utilisation FROM crossings WHERE " + w.sql +
        " ORDER BY at, pool");
    if (!s) {
        return std::unexpected(s.error());
    }
    w.bind(*s);
    s->bind(3, std::string_view(filter.pool));
    std::vector<Crossing> out;
    for (;;) {
        auto more = s->step();
        if (!more) {
            return std::unexpected(more.error());
        }
        if (!*more) {
            return out;
        }
        Crossing c;
        c.at = from_ms(s->column_int(0));
        c.pool = s->column_text(1);
        c.from = s->column_text(2);
        c.to = s->column_text(3);
        c.utilisation = s->column_double(4);
        out.push_back(std::move(c));
    }
}

Result<HistoryAnswer> ask(Db& db, const HistoryFilter& filter,
                          const std::vector<HistoryQuestion>& asked) {
    HistoryAnswer answer;
    answer.asked = asked;
    answer.filter = filter;
    // One read transaction: every answer sees the same moment, however much the writer adds.
    if (auto ok = db.exec("BEGIN"); !ok) {
        return std::unexpected(ok.error());
    }
    auto run = [&]() -> Result<void> {
        for (HistoryQuestion q : asked) {
            Result<void> ok;
            auto take = [&](auto result, auto& into) {
                if (!result) {
                    ok = std::unexpected(result.error());
                } else {
                    into = std::move(*result);
                }
            };
            switch (q) {
                case HistoryQuestion::Processes:
                    take(ports_per_process(db, filter), answer.processes);
                    break;
                case HistoryQuestion::Remotes:
                    take(remote_endpoints(db, filter), answer.remotes);
                    break;
                case HistoryQuestion::Hours:
                    take(use_by_hour(db, filter), answer.hours);
                    break;
                case HistoryQuestion::Failures:
                    take(failed_allocations(db, filter), answer.failures);
                    break;
                case HistoryQuestion::Pools:
                    take(pool_peaks(db, filter), answer.pools);
                    break;
                case HistoryQuestion::Crossings:
                    take(crossings(db, filter), answer.crossings);
                    break;
            }
            if (!ok) {
                return ok;
            }
        }
        return {};
    };
    auto ok = run();
    (void)db.exec(ok ? "COMMIT" : "ROLLBACK");
    if (!ok) {
        return std::unexpected(ok.error());
    }
    return answer;
}

}  // namespace portwatch::store
