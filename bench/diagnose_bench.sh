#!/usr/bin/env bash
# Times `portwatch diagnose` against `portwatch snapshot` on ~100k TCP sockets (bench/sockload)
# in a network namespace this script creates and always removes, and prints the ratio.
# Target (issue #3): diagnose <= 1.5 x snapshot.
#
# usage: bench/diagnose_bench.sh [--sockets N] [--time-wait N] [--workers N] [--runs N]
#   defaults: 100000 sockets, 20000 of them TIME_WAIT, 8 sockload workers, 5 runs per command
# Environment: PORTWATCH_BUILD_DIR (default build/release; built with scripts/build.sh, any
# other directory with cmake --build).
#
# Every command runs with default owners (eBPF when available, else /proc) and its default
# text output to /dev/null; `snapshot --json` is timed too, for reference. TIME_WAIT lasts
# 60 s, so before every round the old entries are destroyed (`ss -K state time-wait`) and
# sockload makes them again: every timed run sees the same population.
set -euo pipefail

bench_name=diagnose_bench
bench_help_lines=14
# shellcheck source=lib/sockload_namespace.sh
. "$(dirname "$0")/lib/sockload_namespace.sh"
bench_parse_args "$@"
bench_require_root
bench_build
bench_start_load pwdiag

keys=(snapshot snapshot_json diagnose diagnose_json)
declare -A label=([snapshot]="portwatch snapshot" [snapshot_json]="portwatch snapshot --json"
                  [diagnose]="portwatch diagnose" [diagnose_json]="portwatch diagnose --json")
command_for() {
  case "$1" in
    snapshot) cmd=("$pw" snapshot --netns "$ns") ;;
    snapshot_json) cmd=("$pw" snapshot --json --netns "$ns") ;;
    diagnose) cmd=("$pw" diagnose --netns "$ns") ;;
    diagnose_json) cmd=("$pw" diagnose --json --netns "$ns") ;;
  esac
}

# Untimed: what diagnose says about the load (it must run, and the load is healthy).
refresh_time_wait
set +e
"$pw" diagnose --netns "$ns" >"$tmp/verdict" 2>"$tmp/verdict.err"
verdict_status=$?
set -e

for r in $(seq "$runs"); do
  refresh_time_wait
  n=${#keys[@]}
  for i in $(seq 0 $((n - 1))); do
    k=${keys[$(((i + r) % n))]}
    command_for "$k"
    start=$(date +%s%N)
    "${cmd[@]}" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >>"$tmp/t.$k"
  done
done

median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
sec() { awk -v u="$1" 'BEGIN {printf "%.3f", u / 1e6}'; }
declare -A med
echo "portwatch diagnose benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: sockload $load_line"
echo "runs: $runs per command, interleaved; TIME_WAIT remade before every round"
echo "diagnose verdict on the load (exit $verdict_status): $(head -n 1 "$tmp/verdict")"
echo
printf '%-28s %9s %7s %7s\n' command median_s min_s max_s
for k in "${keys[@]}"; do
  med[$k]=$(median "$tmp/t.$k")
  printf '%-28s %9s %7s %7s\n' "${label[$k]}" "$(sec "${med[$k]}")" \
    "$(sec "$(sort -n "$tmp/t.$k" | head -n 1)")" "$(sec "$(sort -n "$tmp/t.$k" | tail -n 1)")"
done
ratio=$(awk -v a="${med[diagnose]}" -v b="${med[snapshot]}" 'BEGIN {printf "%.2f", a / b}')
ratio_json=$(awk -v a="${med[diagnose_json]}" -v b="${med[snapshot_json]}" 'BEGIN {printf "%.2f", a / b}')
echo
verdict=PASS
if awk -v r="$ratio" 'BEGIN {exit !(r > 1.5)}'; then verdict=FAIL; fi
echo "ratio diagnose / snapshot: ${ratio}x (target <= 1.5x)  $verdict"
echo "ratio diagnose --json / snapshot --json: ${ratio_json}x"
if [ "$verdict_status" -gt 2 ]; then
  echo "diagnose failed on the load: $(head -c 300 "$tmp/verdict.err")"
  exit 1
fi
[ "$verdict" = PASS ]
