#!/usr/bin/env bash
# Times `portwatch snapshot --json` against ss and netstat on ~100k TCP sockets, in a network
# namespace this script creates and always removes. See bench/README.md.
#
# usage: bench/snapshot_bench.sh [--sockets N] [--time-wait N] [--workers N] [--runs N]
#        bench/snapshot_bench.sh --floor [--sizes 10000,100000,300000] [--runs N] [--families 4]
#   --sockets    total TCP sockets to create (default 100000: listeners + 2 x pairs + TIME_WAIT)
#   --time-wait  how many of them are TIME_WAIT (default 20000; --floor: a fifth of each size)
#   --workers    sockload processes (default 8; each holds 2 x pairs / workers descriptors,
#                and RLIMIT_NOFILE is capped at 20000 per process; --floor: enough for 16000)
#   --runs       timed runs per tool (default 5), interleaved round by round
#   --families   46: half the pairs IPv6 (default), 4: IPv4 only (the --floor default)
#   --floor      the floor table instead: per size, sockdiag_floor (one sock_diag walk of the
#                TCP table), ss -tan, portwatch snapshot (default owners) and --owners=none,
#                with ratios to the floor and to ss -tan, peak RSS and cost per socket
# Environment: PORTWATCH_BUILD_DIR (default build/release, built with scripts/build.sh; any
# other directory is built with cmake --build); PORTWATCH_BASELINE=/path/to/portwatch adds
# that binary's two rows to --floor (a before/after comparison in the same interleaved run).
#
# TIME_WAIT lasts 60 s, longer than the whole run, so before every round the old entries are
# removed (`ss -K state time-wait`, sock_diag SOCK_DESTROY) and sockload makes them again:
# every timed run sees the same population. The tools run in the namespace through nsenter
# (a bare setns, cheaper than `ip netns exec`); portwatch uses its own --netns.
set -euo pipefail

bench_name=snapshot_bench
bench_help_lines=23
floor_mode=0
sizes=10000,100000,300000
bench_extra_arg() {  # the --floor options; sets extra_shift
  case "$1" in
    --floor) floor_mode=1; bench_default_families=4; extra_shift=1 ;;
    --sizes) sizes="$2"; extra_shift=2 ;;
    *) return 1 ;;
  esac
}
# shellcheck source=lib/sockload_namespace.sh
. "$(dirname "$0")/lib/sockload_namespace.sh"
bench_parse_args "$@"
bench_require_root
bench_build
if [ "$floor_mode" = 1 ]; then
  # shellcheck source=lib/floor_bench.sh
  . "$(dirname "$0")/lib/floor_bench.sh"
  floor_bench
  exit "$floor_failed"
fi

# The owner passes (ours, ss -p, netstat -p) read every process's fd table, so descriptors
# held outside the benchmark (another benchmark's sockets) slow them all: report them.
other_fds=$({ find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
bench_start_load pwbench

# --- the tools ----------------------------------------------------------------------------
keys=(pw_proc pw_bpf pw_none ss_p ss netstat_p)
declare -A label=([pw_proc]="portwatch --owners=proc" [pw_bpf]="portwatch --owners=bpf"
                  [pw_none]="portwatch --owners=none" [ss_p]="ss -tanp" [ss]="ss -tan"
                  [netstat_p]="netstat -tanp")
command_for() {  # sets cmd=(...) for key $1
  case "$1" in
    pw_proc) cmd=("$pw" snapshot --json --netns "$ns" --owners=proc) ;;
    pw_bpf) cmd=("$pw" snapshot --json --netns "$ns" --owners=bpf) ;;
    pw_none) cmd=("$pw" snapshot --json --netns "$ns" --owners=none) ;;
    ss_p) cmd=(nsenter --net="/run/netns/$ns" ss -tanp) ;;
    ss) cmd=(nsenter --net="/run/netns/$ns" ss -tan) ;;
    netstat_p) cmd=(nsenter --net="/run/netns/$ns" netstat -tanp) ;;
  esac
}

if grep -q '^PORTWATCH_BPF:BOOL=OFF' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "snapshot_bench: note: $build is configured with PORTWATCH_BPF=OFF; for the eBPF row:" \
    "cmake -S $root -B $build -DPORTWATCH_BPF=ON" >&2
fi
bpf_status="available"
if ! "$pw" snapshot --json --netns "$ns" --owners=bpf >/dev/null 2>"$tmp/bpf.err"; then
  reason="$(grep -v 'warning:' "$tmp/bpf.err" | tail -n 1 | sed 's/^portwatch: //')"
  bpf_status="unavailable (${reason:-no reason given})"
fi
active=()
for k in "${keys[@]}"; do
  if [ "$k" = pw_bpf ] && [ "$bpf_status" != available ]; then continue; fi
  active+=("$k")
done

# Sanity, untimed, on a fresh TIME_WAIT generation: TCP sockets each tool lists, and how
# many it names an owner for.
refresh_time_wait
declare -A seen owned
for k in "${active[@]}"; do
  command_for "$k"
  "${cmd[@]}" >"$tmp/out" 2>"$tmp/err.$k" || true
  case "$k" in
    pw_*)
      seen[$k]=$(grep -c '"proto":"tcp"' "$tmp/out" || true)
      owned[$k]=$(grep -c '"attribution":"owned"' "$tmp/out" || true) ;;
    ss_p | ss)
      seen[$k]=$(($(wc -l <"$tmp/out") - 1))
      owned[$k]=$(grep -c 'users:' "$tmp/out" || true) ;;
    netstat_p)
      seen[$k]=$(grep -c '^tcp' "$tmp/out" || true)
      owned[$k]=$(awk '/^tcp/ && $7 != "-"' "$tmp/out" | wc -l) ;;
  esac
done
rm -f "$tmp/out"

# Timed rounds: every tool once per round, each round starting one tool later, so slow
# drifts (TIME_WAIT refresh, other load) spread evenly. Wall time by the clock around
# /usr/bin/time, which reports the peak RSS and the CPU time (user + system, all threads).
for r in $(seq "$runs"); do
  refresh_time_wait
  n=${#active[@]}
  for i in $(seq 0 $((n - 1))); do
    k=${active[$(((i + r) % n))]}
    command_for "$k"
    start=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$tmp/rusage" "${cmd[@]}" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >>"$tmp/t.$k"
    read -r rss user sys < <(tail -n 1 "$tmp/rusage")
    echo "$rss" >>"$tmp/rss.$k"
    awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d\n", (u + s) * 1e6}' >>"$tmp/cpu.$k"
  done
done

# --- report -------------------------------------------------------------------------------
median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
sec() { awk -v u="$1" 'BEGIN {printf "%.3f", u / 1e6}'; }
declare -A med
echo "portwatch snapshot benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "host: kernel $(uname -r), $(nproc) CPUs, load average $load_before before," \
  "$(cut -d' ' -f1-3 /proc/loadavg) after; $other_fds fds open outside the benchmark"
echo "load: sockload $load_line"
echo "runs: $runs per tool, interleaved; TIME_WAIT remade before every round;" \
  "median_s/min_s/max_s wall, cpu_s median user+system"
echo "bpf: $bpf_status"
echo
printf '%-26s %7s %7s %9s %7s %7s %7s %8s\n' tool tcp owned median_s min_s max_s cpu_s rss_MiB
for k in "${active[@]}"; do
  med[$k]=$(median "$tmp/t.$k")
  min=$(sort -n "$tmp/t.$k" | head -n 1)
  max=$(sort -n "$tmp/t.$k" | tail -n 1)
  rss=$(sort -n "$tmp/rss.$k" | tail -n 1)
  printf '%-26s %7s %7s %9s %7s %7s %7s %8s\n' "${label[$k]}" "${seen[$k]}" \
    "$([ "$k" = ss ] && echo - || echo "${owned[$k]}")" "$(sec "${med[$k]}")" "$(sec "$min")" \
    "$(sec "$max")" "$(sec "$(median "$tmp/cpu.$k")")" \
    "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
done
echo
declare -A cpu
for k in "${active[@]}"; do cpu[$k]=$(median "$tmp/cpu.$k"); done
echo "targets (median wall time; the same comparison on CPU time, which other load on the host"
echo "disturbs less, follows in brackets for reference):"
failed=0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
check() {  # $1 label, $2 value us, $3 limit us, $4 note, $5 cpu us, $6 cpu limit us
  local verdict=PASS
  if [ "$2" -gt "$3" ]; then verdict=FAIL; failed=1; fi
  printf '  %-40s %6s s <= %6s s  %-26s %s  [cpu %s <= %s %s]\n' "$1" "$(sec "$2")" \
    "$(sec "$3")" "($4)" "$verdict" "$(sec "$5")" "$(sec "$6")" \
    "$([ "$5" -le "$6" ] && echo ok || echo over)"
}
check "portwatch --owners=proc <= ss -tanp / 10" "${med[pw_proc]}" $((med[ss_p] / 10)) \
  "ss -tanp $(ratio "${med[ss_p]}" "${med[pw_proc]}")x slower" \
  "${cpu[pw_proc]}" $((cpu[ss_p] / 10))
check "portwatch --owners=proc <= 2 x ss -tan" "${med[pw_proc]}" $((2 * med[ss])) \
  "$(ratio "${med[pw_proc]}" "${med[ss]}")x ss -tan" "${cpu[pw_proc]}" $((2 * cpu[ss]))
if [ "$bpf_status" = available ]; then
  check "portwatch --owners=bpf <= ss -tan" "${med[pw_bpf]}" "${med[ss]}" \
    "$(ratio "${med[pw_bpf]}" "${med[ss]}")x ss -tan" "${cpu[pw_bpf]}" "${cpu[ss]}"
else
  echo "  portwatch --owners=bpf <= ss -tan: not measured, bpf $bpf_status"
fi
for k in pw_proc pw_bpf pw_none; do
  [ -f "$tmp/rss.$k" ] || continue
  rss=$(sort -n "$tmp/rss.$k" | tail -n 1)
  verdict=PASS
  if [ "$rss" -gt $((64 * 1024)) ]; then verdict=FAIL; failed=1; fi
  printf '  %-40s %6s MiB <= 64 MiB  %s\n' "peak RSS ${label[$k]}" \
    "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')" "$verdict"
done
for k in pw_proc pw_bpf pw_none; do
  if [ -s "$tmp/err.$k" ]; then
    echo "stderr of ${label[$k]}: $(head -c 300 "$tmp/err.$k" | tr '\n' ' ')"
  fi
done
exit "$failed"
