#!/usr/bin/env bash
# The monitor's memory over a long run: `portwatch monitor` watches a network namespace this
# script creates (and always removes) under a steady churn (bench/churnload.cpp: connections
# opened and closed at --rate per second, a short-lived process a second), and its RSS is
# sampled every --every seconds. Prints every sample, then first/last/max and the slope (least
# squares, over every sample and over the second half, when warm-up is over), and whether
# the second half is flat. See bench/README.md ("monitor_rss.sh").
#
# usage: bench/monitor_rss.sh [--minutes 10] [--every 10] [--rate 200] [--kids 1]
#                             [--interval 1s] [--source poll] [--owners auto] [--no-db]
#   --minutes   how long the monitor runs (default 10; e.g. 2 for a quick look)
#   --every     seconds between RSS samples (default 10)
#   --rate      connections a second (default 200: ~12,000 TIME_WAIT at any time)
#   --kids      short-lived processes a second, each with five connections held 2 s (default 1)
#   --interval  the monitor's --interval (default 1s)
#   --source    the monitor's --source (default poll; auto/ebpf where eBPF loads)
#   --owners    the monitor's --owners (default auto)
#   --no-db     no history database (default: one in a temporary directory, as a service has)
# Environment: PORTWATCH_BUILD_DIR (default build/release). Needs root.
# Exit status: 0 flat (second-half slope under 64 KiB/min), 1 growing or failed, 2 usage.
set -euo pipefail

minutes=10
every=10
rate=200
kids=1
interval=1s
source=poll
owners=auto
db=1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --every) every="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --kids) kids="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --source) source="$2"; shift 2 ;;
    --owners) owners="$2"; shift 2 ;;
    --no-db) db=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "monitor_rss: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ "$minutes" =~ ^[0-9]+$ && "$every" =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ] || [ "$every" -lt 1 ]; then
  echo "monitor_rss: --minutes and --every are whole numbers >= 1" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "monitor_rss: needs root (a network namespace)" >&2
  exit 1
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${PORTWATCH_BUILD_DIR:-$root/build/release}"
cmake --build "$build" --target portwatch churnload >/dev/null
pw="$build/src/app/portwatch"
churn="$build/bench/churnload"

ns="pwrss-$$"
tmp="$(mktemp -d /tmp/monitor_rss.XXXXXX)"
load_pid=""
mon_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -z "$mon_pid" ] || kill -TERM "$mon_pid" 2>/dev/null || true
  [ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null || true
  sleep 0.5
  { ip netns pids "$ns" 2>/dev/null || true; } | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
nsenter --net="/run/netns/$ns" "$churn" --rate "$rate" --kids "$kids" \
  --timeout $((minutes * 60 + 120)) --ready-file "$tmp/ready" >"$tmp/churn.out" 2>&1 </dev/null &
load_pid=$!
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
if [ ! -s "$tmp/ready" ]; then
  echo "monitor_rss: churnload did not start: $(cat "$tmp/churn.out")" >&2
  exit 1
fi
# A minute of churn first, so TIME_WAIT is at its steady level when the monitor starts.
echo "monitor_rss: churn at $rate/s warming up for 60 s" >&2
sleep 60

db_args=(--no-db)
[ "$db" = 0 ] || db_args=(--db "$tmp/history.db")
echo "portwatch monitor memory over ${minutes} min, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before"
echo "load: churnload --rate $rate --kids $kids ($(in_tw=$(nsenter --net="/run/netns/$ns" ss -tan state time-wait | tail -n +2 | wc -l); echo "$in_tw TIME_WAIT"))"
echo "monitor: --source $source --owners $owners --interval $interval, history database: $([ "$db" = 1 ] && echo yes || echo no)"
"$pw" monitor --netns "$ns" --source "$source" --owners "$owners" --interval "$interval" \
  --duration "${minutes}m" "${db_args[@]}" --json >"$tmp/status" 2>"$tmp/log" &
mon_pid=$!

printf '%6s %9s\n' t_s rss_kib
samples=()
start=$(date +%s)
while kill -0 "$mon_pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon_pid/status" 2>/dev/null || true)
  [ -n "$rss" ] || break
  t=$(($(date +%s) - start))
  printf '%6s %9s\n' "$t" "$rss"
  samples+=("$t $rss")
  sleep "$every"
done
status=0
wait "$mon_pid" || status=$?
mon_pid=""
if [ "$status" -ne 0 ]; then
  echo "monitor_rss: the monitor failed ($status): $(tail -n 3 "$tmp/log")" >&2
  exit 1
fi
echo
printf '%s\n' "${samples[@]}" | awk -v lines="$(wc -l <"$tmp/status")" '
  { t[NR] = $1; r[NR] = $2; if ($2 > max) max = $2 }
  function slope(from, to,   i, n, st, sr, stt, str) {
    n = 0; st = sr = stt = str = 0
    for (i = from; i <= to; i++) { n++; st += t[i]; sr += r[i]; stt += t[i] * t[i]; str += t[i] * r[i] }
    if (n < 2 || n * stt == st * st) return 0
    return (n * str - st * sr) / (n * stt - st * st) * 60  # KiB per minute
  }
  END {
    if (NR < 3) { print "too few samples"; exit 1 }
    half = int(NR / 2) + 1
    all = slope(1, NR); late = slope(half, NR)
    printf "samples %d (status lines %d)\n", NR, lines
    printf "rss KiB: first %d, last %d, max %d\n", r[1], r[NR], max
    printf "slope KiB/min: all %.1f, second half (from %d s) %.1f\n", all, t[half], late
    flat = late < 64
    printf "second half flat (< 64 KiB/min): %s\n", flat ? "yes" : "NO"
    exit flat ? 0 : 1
  }'
