#!/usr/bin/env bash
# CPU and memory of `portwatch monitor --source poll` at 1 Hz on ~100k TCP sockets, in a
# network namespace this script creates and always removes (the load of snapshot_bench.sh).
# See bench/README.md ("portwatch monitor --source poll").
#
# usage: bench/monitor_bench.sh [--sockets N] [--time-wait N] [--workers N] [--runs N]
#                               [--duration S] [--owners LIST] [--interval I]
#   --sockets    total TCP sockets (default 100000: listeners + 2 x pairs + TIME_WAIT)
#   --time-wait  how many of them are TIME_WAIT (default 20000; they expire during a run, so
#                each run also sees 20,000 sockets close: Closed events)
#   --workers    sockload processes (default 8)
#   --runs       runs per owner method (default 1)
#   --duration   seconds each monitor runs (default 60)
#   --owners     owner methods to measure, comma-separated (default proc,bpf,none; bpf is
#                left out where it does not load)
#   --interval   between samples (default 1s)
# Environment: PORTWATCH_BUILD_DIR (default build/release); PORTWATCH_BASELINE=/path/to/an/older/
# portwatch adds its rows, run interleaved with this build's (baseline first in odd runs,
# second in even ones), for before/after figures under the same load.
#
# Each run: TIME_WAIT made afresh, then `portwatch monitor --source poll --netns NS
# --interval 1s --duration S --no-db` under /usr/bin/time: CPU% = (user + system) / wall of
# the whole process (every thread), peak RSS; and its samples (status lines) against the
# duration, which says whether 1 Hz was kept.
set -euo pipefail

bench_name=monitor_bench
bench_help_lines=25
duration=60
owners_list=proc,bpf,none
interval=1s
bench_extra_arg() {
  case "$1" in
    --interval) interval="$2"; extra_shift=2 ;;
    --duration) duration="$2"; extra_shift=2 ;;
    --owners) owners_list="$2"; extra_shift=2 ;;
    *) return 1 ;;
  esac
}
# shellcheck source=lib/sockload_namespace.sh
. "$(dirname "$0")/lib/sockload_namespace.sh"
runs=1
bench_parse_args "$@"
bench_require_root
bench_build
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
bench_start_load pwmonbench

echo "portwatch monitor --source poll benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: kernel $(uname -r), $(nproc) CPUs, load average $load_before before"
echo "load: sockload $load_line"
echo "each run: --interval $interval --duration ${duration}s --no-db; TIME_WAIT made afresh before it"
echo
binaries=("$pw")
labels=("")
if [ -n "${PORTWATCH_BASELINE:-}" ]; then
  echo "baseline: $PORTWATCH_BASELINE (rows marked 'base', interleaved)"
  binaries=("$pw" "$PORTWATCH_BASELINE")
  labels=("" "base")
fi
printf '%-13s %4s %8s %8s %8s %7s %8s %9s %s\n' owners run wall_s user_s sys_s cpu_% rss_MiB samples warnings
failed=0
IFS=, read -r -a methods <<<"$owners_list"
for owners in "${methods[@]}"; do
  for r in $(seq "$runs"); do
    order=(0 1)
    [ $((r % 2)) -eq 1 ] && order=(1 0)
    for b in "${order[@]}"; do
      [ "$b" -lt "${#binaries[@]}" ] || continue
      refresh_time_wait
      set +e
      /usr/bin/time -f '%e %U %S %M' -o "$tmp/rusage" "${binaries[$b]}" monitor --source poll \
        --netns "$ns" --owners "$owners" --interval "$interval" --duration "${duration}s" \
        --no-db --json >"$tmp/status" 2>"$tmp/log"
      status=$?
      set -e
      row="$owners${labels[$b]:+ ${labels[$b]}}"
      if [ "$status" -ne 0 ]; then
        if [ "$owners" = bpf ]; then
          echo "bpf: not measured ($(grep -v '^portwatch: monitor: source' "$tmp/log" | tail -n 1))"
          continue
        fi
        echo "monitor failed ($status): $(tail -n 3 "$tmp/log")" >&2
        failed=1
        continue
      fi
      read -r wall user sys rss < <(tail -n 1 "$tmp/rusage")
      samples=$(wc -l <"$tmp/status")
      warnings=$(grep -c '"warnings":\[".' "$tmp/status" || true)
      cpu=$(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN {printf "%.1f", (u + s) / w * 100}')
      printf '%-13s %4s %8s %8s %8s %7s %8s %9s %s\n' "$row" "$r" "$wall" "$user" "$sys" "$cpu" \
        "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')" "$samples" "$warnings"
    done
  done
done
echo
echo "target (issue #10): poll source at 1 Hz with 100k sockets <= 10% of one core"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$failed"
