# Shared by the benchmark scripts (source it; it defines functions and variables, runs nothing).
# A namespace filled by sockload with a known TCP population, removed on exit whatever happens.
#
#   bench_name=snapshot_bench          # prefix of every message
#   bench_parse_args "$@"              # --sockets --time-wait --workers --runs --families
#                                      # (sets them; a script may handle more in bench_extra_arg)
#   bench_require_root
#   bench_build                        # sets $pw and $sockload
#   bench_start_load pwbench           # namespace pwbench-$$, sockload started and ready
#   refresh_time_wait                  # TIME_WAIT entries destroyed and made again
#   bench_stop_load                    # sockload stopped, namespace removed ($tmp kept)
#   bench_size_load N                  # sets pairs, time_wait (20%) and workers for N sockets

sockets=100000
time_wait=20000
workers=8
runs=5
listener_ports=4  # per family: 2 x 4 listeners (sockload adds ports so each worker has one)
families=""       # sockload --families: 46 (half the pairs IPv6; the default unless the
                  # script sets bench_default_families) or 4
workers_given=0
time_wait_given=0

bench_parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --sockets) sockets="$2"; shift 2 ;;
      --time-wait) time_wait="$2"; time_wait_given=1; shift 2 ;;
      --workers) workers="$2"; workers_given=1; shift 2 ;;
      --families) families="$2"; shift 2 ;;
      --runs) runs="$2"; shift 2 ;;
      -h|--help) sed -n "2,${bench_help_lines:-14}p" "$0"; exit 0 ;;
      *)
        if declare -F bench_extra_arg >/dev/null && bench_extra_arg "$@"; then
          shift "$extra_shift"
        else
          echo "$bench_name: unknown argument $1" >&2; exit 2
        fi ;;
    esac
  done
  [ -n "$families" ] || families="${bench_default_families:-46}"
  if [ "$families" != 4 ] && [ "$families" != 46 ]; then
    echo "$bench_name: --families is 4 or 46" >&2
    exit 2
  fi
  pairs=$(((sockets - $(bench_listeners) - time_wait) / 2))
  if [ "$pairs" -lt 0 ] || [ "$runs" -lt 1 ]; then
    echo "$bench_name: --sockets must exceed --time-wait + $(bench_listeners), --runs >= 1" >&2
    exit 2
  fi
}

bench_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$bench_name: needs root (network namespaces, every process's fd table)" >&2
    exit 1
  fi
}

# Builds portwatch and sockload (build/release through scripts/build.sh, any other
# PORTWATCH_BUILD_DIR with cmake --build); if that fails, times what is already built.
bench_build() {
  root="$(cd "$(dirname "$0")/.." && pwd)"
  build="${PORTWATCH_BUILD_DIR:-$root/build/release}"
  pw="$build/src/app/portwatch"
  sockload="$build/bench/sockload"
  floor_bin="$build/bench/sockdiag_floor"
  local log status=0
  log="$(mktemp "/tmp/$bench_name-build.XXXXXX")"
  if [ "$build" = "$root/build/release" ]; then
    "$root/scripts/build.sh" --target portwatch sockload sockdiag_floor >"$log" 2>&1 || status=$?
  else
    cmake --build "$build" --target portwatch sockload sockdiag_floor >"$log" 2>&1 || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    if [ ! -x "$pw" ] || [ ! -x "$sockload" ]; then
      tail -n 20 "$log" >&2
      rm -f "$log"
      echo "$bench_name: build failed" >&2
      exit 1
    fi
    echo "$bench_name: warning: build failed, timing the binaries already in $build" >&2
  fi
  rm -f "$log"
}

# $1 total TCP sockets: TIME_WAIT a fifth of them (unless --time-wait was given), the rest
# listeners and established pairs, over enough sockload workers that none holds more than
# 16,000 descriptors (RLIMIT_NOFILE is 20,000 per process) unless --workers was given.
bench_size_load() {
  sockets="$1"
  [ "$time_wait_given" = 1 ] || time_wait=$((sockets / 5))
  if [ "$workers_given" != 1 ]; then
    workers=$(((sockets - time_wait + 15999) / 16000))
    [ "$workers" -ge 8 ] || workers=8
  fi
  pairs=$(((sockets - $(bench_listeners) - time_wait) / 2))
}

# How many listeners sockload makes: --ports per family, more when workers outnumber them.
bench_listeners() {
  local fams=$((families == 4 ? 1 : 2)) ports="$listener_ports"
  [ $(((workers + fams - 1) / fams)) -le "$ports" ] || ports=$(((workers + fams - 1) / fams))
  echo $((ports * fams))
}

# Stops sockload and removes the namespace, so the next bench_start_load starts afresh.
bench_stop_load() {
  if [ -n "${load_pid:-}" ]; then
    kill -TERM "$load_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    load_pid=""
  fi
  if [ -n "${ns:-}" ]; then
    { ip netns pids "$ns" 2>/dev/null || true; } | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    ns=""
  fi
}

bench_cleanup() {
  trap - EXIT INT TERM
  if [ -n "${load_pid:-}" ]; then
    kill -TERM "$load_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
  if [ -n "${ns:-}" ]; then
    { ip netns pids "$ns" 2>/dev/null || true; } | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
  [ -n "${tmp:-}" ] && rm -rf "$tmp"
}

in_ns() { nsenter --net="/run/netns/$ns" "$@"; }

# $1: namespace prefix. Creates $ns, $tmp; starts sockload ($load_pid) and waits until ready;
# $load_line is its ready line.
bench_start_load() {
  ns="$1-$$"
  [ -n "${tmp:-}" ] || tmp="$(mktemp -d "/tmp/$1.XXXXXX")"
  load_pid=""
  rm -f "$tmp/ready"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # nsenter (no PID namespace) execs sockload itself, so $! is sockload's pid (not through
  # in_ns: a function in the background would be a subshell, and $! its pid).
  nsenter --net="/run/netns/$ns" "$sockload" --pairs "$pairs" --time-wait "$time_wait" --workers "$workers" \
    --ports "$listener_ports" --families "$families" --ready-file "$tmp/ready" --timeout 1800 \
    >"$tmp/sockload.out" 2>"$tmp/sockload.err" </dev/null &
  load_pid=$!
  generation=0
  wait_generation 0
  load_line="$(cat "$tmp/ready")"
}

wait_generation() {  # $1: generation to wait for; 180 s at most
  for _ in $(seq 1800); do
    if grep -q "generation=$1 " "$tmp/ready" 2>/dev/null; then return 0; fi
    if ! kill -0 "$load_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$bench_name: sockload did not get ready:" >&2
  cat "$tmp/sockload.err" >&2
  exit 1
}

# TIME_WAIT lasts 60 s: destroy the old entries (sock_diag SOCK_DESTROY) and have sockload
# make them again, so every timed round sees the same population.
refresh_time_wait() {
  in_ns ss -K state time-wait >/dev/null 2>&1 || true
  generation=$((generation + 1))
  kill -USR1 "$load_pid"
  wait_generation "$generation"
}
