# shellcheck shell=bash disable=SC2154,SC2034  # sourced by snapshot_bench.sh: it sets and reads them
# snapshot_bench.sh --floor (sourced; see bench/README.md "The floor"). Needs the variables
# and functions of sockload_namespace.sh, bench_build done, and $sizes, $runs, $families.
#
# For each size: a fresh namespace filled by sockload, then `runs` rounds (TIME_WAIT remade
# before each) in which every tool runs once, each round starting one tool later:
#   floor      sockdiag_floor: one sock_diag dump of the TCP table (AF_INET with --families 4,
#              the both-families compat request otherwise), output discarded
#   ss         ss -tan
#   pw         portwatch snapshot (default owners: eBPF when it loads, else /proc)
#   pw_none    portwatch snapshot --owners=none
#   base, base_none   the same two with $PORTWATCH_BASELINE, when set
# Every tool enters the namespace the same way, a bare setns(): sockdiag_floor and portwatch
# with --netns, ss through nsenter (which execs it). Output goes to /dev/null.
# Reports medians of wall time and of CPU time (user + system), the peak RSS, ratios to the
# floor and to ss -tan, and the cost per socket: overall (median / sockets) and marginal
# (the time added per socket since the previous size, which leaves out fixed costs such as
# process start and loading the eBPF program).

floor_failed=0

floor_command() {  # sets cmd=(...) for key $1
  local ff=inet
  [ "$families" = 4 ] || ff=any
  case "$1" in
    floor) cmd=("$floor_bin" --netns "$ns" --family "$ff") ;;
    ss) cmd=(nsenter --net="/run/netns/$ns" ss -tan) ;;
    pw) cmd=("$pw" snapshot --netns "$ns") ;;
    pw_none) cmd=("$pw" snapshot --netns "$ns" --owners=none) ;;
    base) cmd=("$PORTWATCH_BASELINE" snapshot --netns "$ns") ;;
    base_none) cmd=("$PORTWATCH_BASELINE" snapshot --netns "$ns" --owners=none) ;;
  esac
}

floor_median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# TCP sockets a tool listed (untimed run): the sanity column.
floor_seen() {
  local k="$1" out="$tmp/floor.out"
  floor_command "$k"
  case "$k" in
    floor) "${cmd[@]}" --count 2>&1 >/dev/null | tail -n 1 ;;
    ss) "${cmd[@]}" >"$out" 2>/dev/null; echo $(($(wc -l <"$out") - 1)) ;;
    *) "${cmd[@]}" >"$out" 2>/dev/null; grep -c '^tcp ' "$out" || true ;;
  esac
}

floor_bench() {
  local keys=(floor ss pw pw_none)
  declare -gA floor_label=([floor]="sockdiag_floor (1 walk)" [ss]="ss -tan"
    [pw]="portwatch snapshot" [pw_none]="portwatch --owners=none"
    [base]="baseline snapshot" [base_none]="baseline --owners=none")
  if [ -n "${PORTWATCH_BASELINE:-}" ]; then
    [ -x "$PORTWATCH_BASELINE" ] || { echo "$bench_name: $PORTWATCH_BASELINE is not executable" >&2; exit 2; }
    keys+=(base base_none)
  fi
  local load_before size k r i n
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  # The owner pass reads every process's file table: descriptors held outside the benchmark
  # (another benchmark's sockets) add to its cost, so the header reports them.
  local other_fds
  other_fds=$({ find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
  local -a size_list
  IFS=, read -r -a size_list <<<"$sizes"
  declare -A med cpu rss seen loads
  for size in "${size_list[@]}"; do
    bench_size_load "$size"
    bench_start_load pwfloor
    loads[$size]="$load_line"
    refresh_time_wait
    for k in "${keys[@]}"; do seen[$size.$k]=$(floor_seen "$k"); done
    for k in "${keys[@]}"; do rm -f "$tmp/t.$k" "$tmp/cpu.$k" "$tmp/rss.$k"; done
    n=${#keys[@]}
    for r in $(seq "$runs"); do
      refresh_time_wait
      for i in $(seq 0 $((n - 1))); do
        k=${keys[$(((i + r) % n))]}
        floor_command "$k"
        local start end user sys m
        start=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$tmp/rusage" "${cmd[@]}" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        echo $(((end - start) / 1000)) >>"$tmp/t.$k"
        read -r m user sys < <(tail -n 1 "$tmp/rusage")
        echo "$m" >>"$tmp/rss.$k"
        awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d\n", (u + s) * 1e6}' >>"$tmp/cpu.$k"
      done
    done
    for k in "${keys[@]}"; do
      med[$size.$k]=$(floor_median "$tmp/t.$k")
      cpu[$size.$k]=$(floor_median "$tmp/cpu.$k")
      rss[$size.$k]=$(sort -n "$tmp/rss.$k" | tail -n 1)
    done
    bench_stop_load
  done

  local sec='function s(u) {return sprintf("%.3f", u / 1e6)}'
  echo "portwatch floor benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "host: kernel $(uname -r), $(nproc) CPUs, load average $load_before before," \
    "$(cut -d' ' -f1-3 /proc/loadavg) after; $other_fds fds open outside the benchmark"
  echo "runs: $runs per tool and size, interleaved; TIME_WAIT remade before every round;" \
    "wall = median wall time, cpu = median user+system, x = ratio of medians"
  for size in "${size_list[@]}"; do
    echo
    echo "== $size TCP sockets (sockload: ${loads[$size]#ready generation=0 })"
    printf '%-26s %7s %8s %8s %8s %8s %8s %8s %9s\n' tool tcp wall_s x_floor x_ss cpu_s \
      cpu_x_fl rss_MiB us/sock
    for k in "${keys[@]}"; do
      awk -v l="${floor_label[$k]}" -v seen="${seen[$size.$k]}" -v t="${med[$size.$k]}" \
        -v f="${med[$size.floor]}" -v ss="${med[$size.ss]}" -v c="${cpu[$size.$k]}" \
        -v cf="${cpu[$size.floor]}" -v m="${rss[$size.$k]}" -v n="$size" "$sec"'
        BEGIN {printf "%-26s %7s %8s %8.2f %8.2f %8s %8.2f %8.1f %9.2f\n", l, seen, s(t),
               t / f, t / ss, s(c), (cf > 0 ? c / cf : 0), m / 1024, t / n}'
    done
  done

  if [ "${#size_list[@]}" -gt 1 ]; then
    echo
    echo "marginal cost, us per added socket (wall median difference / socket difference):"
    printf '%-26s' tool
    for i in $(seq 1 $((${#size_list[@]} - 1))); do
      printf ' %18s' "${size_list[$((i - 1))]}->${size_list[$i]}"
    done
    echo
    for k in "${keys[@]}"; do
      printf '%-26s' "${floor_label[$k]}"
      for i in $(seq 1 $((${#size_list[@]} - 1))); do
        local a="${size_list[$((i - 1))]}" b="${size_list[$i]}"
        awk -v ta="${med[$a.$k]}" -v tb="${med[$b.$k]}" -v a="$a" -v b="$b" \
          'BEGIN {printf " %18.3f", (tb - ta) / (b - a)}'
      done
      echo
    done
  fi

  echo
  echo "goals (issue #8, at 100000 sockets; wall medians):"
  if [ -z "${med[100000.pw]:-}" ]; then
    echo "  not checked: 100000 is not among --sizes"
    return
  fi
  local verdict
  floor_check() {  # $1 label, $2 value, $3 limit
    verdict=PASS
    if [ "$2" -gt "$3" ]; then verdict=FAIL; floor_failed=1; fi
    awk -v l="$1" -v v="$2" -v lim="$3" -v verdict="$verdict" "$sec"'
      BEGIN {printf "  %-44s %s s <= %s s  %s\n", l, s(v), s(lim), verdict}'
  }
  floor_check "portwatch snapshot <= 0.5 x ss -tan" "${med[100000.pw]}" $((med[100000.ss] / 2))
  floor_check "portwatch snapshot <= 1.3 x floor" "${med[100000.pw]}" \
    $((med[100000.floor] * 13 / 10))
  # CPU time, which other load on the host disturbs less, for reference (not a verdict:
  # portwatch spends CPU on a second core to save wall time).
  awk -v p="${cpu[100000.pw]}" -v c="${cpu[100000.ss]}" -v f="${cpu[100000.floor]}" "$sec"'
    BEGIN {printf "  [cpu: portwatch %s s = %.2f x ss -tan (%s s), %.2f x floor (%s s)]\n",
           s(p), p / c, s(c), (f > 0 ? p / f : 0), s(f)}'
}
