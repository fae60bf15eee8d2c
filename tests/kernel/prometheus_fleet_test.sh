#!/usr/bin/env bash
# A real Prometheus scraping two portwatch exporters that play two hosts:
#   "exhausted": `portwatch lab hoard --hold --range 100` (100 connections to one server in a
#                100-port range: the connect() pool to 127.0.0.1:9000 has no port left)
#   "healthy":   `portwatch lab healthy --hold` (3000 connections over 60 destinations in a
#                5000-port range)
# Each lab makes its own network namespace; each exporter runs in the root namespace with
# --netns <the lab's pid>. Debian's `prometheus` runs on loopback with a generated config, a
# temporary storage directory and the alert rules of deploy/prometheus/; the test asks its HTTP
# API (/api/v1/query) for each host's values, checks them, checks that the exhausted host's
# alert fires, runs `promtool check metrics` on an exposition, then stops everything.
#
#   prometheus_fleet_test.sh PORTWATCH SOURCE_DIR
#
# Needs root (the labs unshare) and prometheus + promtool: without them it skips (77), except
# when CI is set, where it fails.
set -euo pipefail

pw=$1
src=$2
deadline=$((SECONDS + 100))

skip() {
  if [ -n "${CI:-}" ]; then
    echo "FAIL (CI is set, so this cannot skip): $*" >&2
    exit 1
  fi
  echo "SKIP: $*" >&2
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.err "$work"/prometheus.log; do
    [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (the labs create network namespaces)"
command -v prometheus >/dev/null || skip "no prometheus (apt-get install prometheus)"
command -v promtool >/dev/null || skip "no promtool (apt-get install prometheus)"
command -v curl >/dev/null || skip "no curl"

work=$(mktemp -d /tmp/portwatch-fleet.XXXXXX)
pids=()
lab_fds=()
cleanup() {
  # Enter ends a lab (its namespace goes with its processes); then the servers.
  for fd in "${lab_fds[@]}"; do
    echo >&"$fd" 2>/dev/null || true
    eval "exec $fd>&-"
  done
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start_lab NAME PATTERN [ARGS...]: runs the lab held open on a FIFO; sets lab_pid_NAME to
# the pid whose namespace the lab made.
start_lab() {
  local name=$1
  shift
  mkfifo "$work/$name.in"
  "$pw" lab "$@" --hold <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  local fd
  exec {fd}>"$work/$name.in"
  lab_fds+=("$fd")
  local ns=""
  while [ $SECONDS -lt $deadline ]; do
    ns=$(sed -n 's/.*--netns \([0-9][0-9]*\).*/\1/p' "$work/$name.err" | head -n 1)
    [ -n "$ns" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "lab $name ended early"
    sleep 0.2
  done
  [ -n "$ns" ] || fail "lab $name did not say its namespace"
  eval "lab_pid_$name=$ns"
}

# start_exporter NAME NETNS: an exporter on 127.0.0.1:<any>; sets port_NAME.
start_exporter() {
  local name=$1 netns=$2
  "$pw" exporter --netns "$netns" --listen 127.0.0.1:0 --cache 500ms 2>"$work/exporter-$name.err" &
  pids+=($!)
  local port=""
  while [ $SECONDS -lt $deadline ]; do
    port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/exporter-$name.err")
    [ -n "$port" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "exporter $name ended early"
    sleep 0.1
  done
  [ -n "$port" ] || fail "exporter $name did not start"
  eval "port_$name=$port"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# query PROMQL: the value of the query's single result ("" when it has none).
query() {
  curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else ("" if not r else "MANY:%d" % len(r)))'
}

# expect PROMQL VALUE: waits (until the deadline) for the query to give VALUE.
expect() {
  local got=""
  while [ $SECONDS -lt $deadline ]; do
    got=$(query "$1" || true)
    [ "$got" = "$2" ] && { echo "ok (${SECONDS}s): $1 = $2"; return 0; }
    sleep 0.5
  done
  fail "$1: expected $2, got '${got}'"
}

start_lab exhausted hoard --range 100
start_lab healthy healthy
start_exporter exhausted "$lab_pid_exhausted"
start_exporter healthy "$lab_pid_healthy"

# The exposition passes promtool's lint (text format 0.0.4).
curl -fsS "http://127.0.0.1:$port_exhausted/metrics" >"$work/exposition.txt"
promtool check metrics <"$work/exposition.txt" || fail "promtool check metrics"
echo "ok: promtool check metrics"

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $src/deploy/prometheus/alerts.yml
scrape_configs:
  - job_name: portwatch
    static_configs:
      - targets: ['127.0.0.1:$port_exhausted']
        labels: {host: exhausted}
      - targets: ['127.0.0.1:$port_healthy']
        labels: {host: healthy}
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)

expect 'count(up{job="portwatch"} == 1)' 2
# Each host's own range, as its namespace has it.
expect 'portwatch_ephemeral_range_ports{host="exhausted"}' 100
expect 'portwatch_ephemeral_range_ports{host="healthy"}' 5000
# The exhausted host: the pool to the lab's server has no port left, rated EXHAUSTED, and the
# hoarder holds every port.
expect 'portwatch_pool_free_ports{host="exhausted",kind="tcp-connect",destination="127.0.0.1:9000"}' 0
expect 'portwatch_pool_severity{host="exhausted",kind="tcp-connect",destination="127.0.0.1:9000"}' 3
expect 'portwatch_scope_severity{host="exhausted"}' 3
expect 'portwatch_process_sockets{host="exhausted",process="pwlab-hoarder",state="ESTABLISHED"}' 100
# The healthy host: OK, every pool with ports free, 60 destinations folded to the top 20.
expect 'portwatch_scope_severity{host="healthy"}' 0
expect 'min(portwatch_pool_free_ports{host="healthy"}) > bool 0' 1
expect 'portwatch_folded_series{host="healthy",family="pool"} >= bool 40' 1
expect 'count(portwatch_pool_size_ports{host="healthy"})' 20
# The alert rules see it: the exhausted pool's alert is pending (it fires after its `for: 2m`,
# longer than this test), the healthy host has none.
expect 'count(ALERTS{alertname="PortwatchPoolCritical",host="exhausted",destination="127.0.0.1:9000"})' 1
expect 'count(ALERTS{host="healthy"}) or vector(0)' 0
echo "PASS in ${SECONDS}s"
