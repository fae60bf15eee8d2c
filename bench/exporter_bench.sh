#!/usr/bin/env bash
# Times a scrape of `portwatch exporter` on ~100k TCP sockets (the population snapshot_bench.sh
# makes, in a namespace this script creates and always removes) and counts its series.
#
# usage: bench/exporter_bench.sh [--sockets N] [--time-wait N] [--workers N] [--runs N]
#   (the options of snapshot_bench.sh; default 100000 sockets, 20000 TIME_WAIT, 5 runs)
# The exporter runs in the root namespace with --netns and --cache 0s, so every scrape takes
# a fresh snapshot + diagnose; each scrape is timed by curl (wall, as Prometheus sees it).
# Prints per run: wall seconds, the exporter's own portwatch_scrape_duration_seconds, the
# series and bytes of the exposition; then the medians, the exporter's peak RSS, and the
# target: a scrape at 100k sockets within 0.5 s (issue #11).
set -euo pipefail

bench_name=exporter_bench
bench_help_lines=11
# shellcheck source=lib/sockload_namespace.sh
. "$(dirname "$0")/lib/sockload_namespace.sh"
bench_parse_args "$@"
bench_require_root
bench_build
bench_start_load pwexp

"$pw" exporter --netns "$ns" --listen 127.0.0.1:0 --cache 0s 2>"$tmp/exporter.err" &
exporter_pid=$!
trap 'kill "$exporter_pid" 2>/dev/null || true; wait "$exporter_pid" 2>/dev/null || true; bench_cleanup' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$tmp/exporter.err")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "exporter_bench: the exporter did not start" >&2; cat "$tmp/exporter.err" >&2; exit 1; }

echo "portwatch exporter benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: sockload $load_line"
printf '%4s %9s %12s %8s %9s %11s\n' run wall_s exporter_s series bytes diagnose_s
for r in $(seq "$runs"); do
  refresh_time_wait
  # The same work as one CLI run, for comparison: portwatch diagnose on the same namespace.
  start=$(date +%s%N)
  "$pw" diagnose --netns "$ns" >/dev/null 2>&1 || true
  diag=$(awk -v n="$(($(date +%s%N) - start))" 'BEGIN {printf "%.3f", n / 1e9}')
  echo "$diag" >>"$tmp/diag"
  wall=$(curl -fsS -o "$tmp/metrics" -w '%{time_total}' "http://127.0.0.1:$port/metrics")
  self=$(awk '/^portwatch_scrape_duration_seconds /{print $2}' "$tmp/metrics")
  series=$(grep -vc '^#' "$tmp/metrics")
  bytes=$(wc -c <"$tmp/metrics")
  echo "$wall" >>"$tmp/wall"
  echo "$self" >>"$tmp/self"
  printf '%4s %9s %12s %8s %9s %11s\n' "$r" "$wall" "$self" "$series" "$bytes" "$diag"
done
sockets=$(awk '/^portwatch_process_sockets/{s += $2} END {print s + 0}' "$tmp/metrics")
median() { sort -g "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
rss=$(awk '/^VmHWM/{printf "%.1f", $2 / 1024}' "/proc/$exporter_pid/status")
echo
echo "owned sockets counted per process (last scrape): $sockets; series: $series (budget per namespace: see docs/metrics.md)"
echo "median scrape: $(median "$tmp/wall") s wall (curl), $(median "$tmp/self") s in the exporter;" \
  "portwatch diagnose on the same namespace: $(median "$tmp/diag") s; exporter peak RSS $rss MiB"
verdict=$(awk -v m="$(median "$tmp/wall")" 'BEGIN {print (m <= 0.5) ? "PASS" : "FAIL"}')
echo "target: a scrape at 100k sockets <= 0.5 s: $verdict"
[ "$verdict" = PASS ]
