#!/bin/sh
# `portwatch analyze` on generated worst cases, to show that time and memory grow linearly
# with the input however it is shaped (issue #8, classes 1 and 2):
#   pids      ss -tanp rows, every one owned by a different process (owner tallies)
#   dests     ss -tanp rows, every one to a different destination (one connect() pool each)
#   locals    Windows netstat rows, every one from a different local address, 1% wildcard
#             listeners (one local pool per address, each also holding the wildcard sockets)
#   oneproc   ss -tanp rows of one process, a third TIME_WAIT (inferred owners)
#   captures  Windows netstat, a '# taken at' line before every row (one capture per row)
#
#   bench/analyze_scale.sh BUILD_DIR [ROWS...]          default ROWS: 10000 100000 200000
#   PORTWATCH=/path/to/portwatch bench/analyze_scale.sh BUILD_DIR   time another binary
#
# Prints, per case and size: wall time, peak RSS, microseconds per row, and that cost as a
# ratio to the smallest size (1.0 = linear; a quadratic path doubles it with every doubling).
# Exit status 1 when a run fails, a peak RSS passes 128 MiB, or the per-row cost at the
# largest size is more than 3 times that at the smallest.
set -eu
build=${1:?usage: analyze_scale.sh BUILD_DIR [ROWS...]}
shift
sizes=${*:-10000 100000 200000}
pw=${PORTWATCH:-$build/src/app/portwatch}
tmp=${TMPDIR:-/tmp}/portwatch-analyze-scale.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM

generate() {  # KIND ROWS > file
    awk -v kind="$1" -v n="$2" '
function ip(i) { return (10 + int(i / 16777216) % 200) "." int(i / 65536) % 256 "." int(i / 256) % 256 "." (i % 256) }
BEGIN {
  if (kind == "pids" || kind == "dests" || kind == "oneproc")
    print "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process"
  if (kind == "locals") {
    print "Active Connections"
    print "  Proto  Local Address          Foreign Address        State           PID"
  }
  for (i = 0; i < n; i++) {
    if (kind == "pids")
      printf "ESTAB  0      0      10.0.0.1:%d  10.1.%d.%d:443  users:((\"app%d\",pid=%d,fd=3))\n", 32768 + i % 28000, int(i / 28000) % 256, i % 250, i, 1000 + i
    else if (kind == "dests")
      printf "ESTAB  0      0      10.0.0.1:%d  %s:443  users:((\"app\",pid=%d,fd=%d))\n", 32768 + i % 28000, ip(i), 1000 + i % 50, 3 + i
    else if (kind == "locals") {
      if (i % 100 == 0)
        printf "  TCP    0.0.0.0:%d          0.0.0.0:0              LISTENING       %d\n", 49152 + (i / 100) % 16000, 4000 + i % 97
      else
        printf "  TCP    %s:%d       1.2.3.4:443      ESTABLISHED     %d\n", ip(i), 49152 + i % 16000, 4000 + i % 97
    } else if (kind == "oneproc") {
      if (i % 3 == 0)
        printf "TIME-WAIT 0   0      10.0.0.1:%d  10.1.%d.%d:443\n", 32768 + i % 28000, int(i / 28000) % 256, i % 250
      else
        printf "ESTAB  0      0      10.0.0.1:%d  10.1.%d.%d:443  users:((\"huge\",pid=4242,fd=%d))\n", 32768 + i % 28000, int(i / 28000) % 256, i % 250, 3 + i
    } else if (kind == "captures") {
      printf "# taken at 2026-11-%02dT%02d:%02d:%02dZ\n", 1 + int(i / 86400), int(i / 3600) % 24, int(i / 60) % 60, i % 60
      printf "  TCP    10.0.0.5:%d       40.1.%d.%d:443      ESTABLISHED     %d\n", 49152 + i % 16000, int(i / 250) % 256, i % 250, 1000 + i % 500
    }
  }
}'
}

echo "portwatch analyze scale benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "binary: $pw"
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %8s %10s %9s %8s %8s %s\n' case rows seconds rss_MiB us/row ratio exit
failed=0
for kind in pids dests locals oneproc captures; do
    first_cost=
    first_each=
    for rows in $sizes; do
        generate "$kind" "$rows" > "$tmp/input.txt"
        for args in "" "--each"; do
            [ "$kind" = captures ] || [ -z "$args" ] || continue
            /usr/bin/time -f '%e %M' -o "$tmp/time" "$pw" analyze --max-sockets "$rows" $args \
                "$tmp/input.txt" > /dev/null 2> "$tmp/err" && status=0 || status=$?
            # /usr/bin/time puts "Command exited with non-zero status N" first when N > 0.
            seconds=$(tail -n 1 "$tmp/time" | cut -d' ' -f1)
            rss_kib=$(tail -n 1 "$tmp/time" | cut -d' ' -f2)
            cost=$(awk -v s="$seconds" -v n="$rows" 'BEGIN { printf "%.2f", s * 1e6 / n }')
            label=$kind${args:+ $args}
            if [ -z "$args" ]; then
                [ -n "$first_cost" ] || first_cost=$cost
                base=$first_cost
            else
                [ -n "$first_each" ] || first_each=$cost
                base=$first_each
            fi
            ratio=$(awk -v c="$cost" -v f="$base" 'BEGIN { printf "%.2f", (f > 0 ? c / f : 1) }')
            printf '%-16s %8d %10s %9d %8s %8s %s\n' "$label" "$rows" "$seconds" $((rss_kib / 1024)) \
                "$cost" "$ratio" "$status"
            if [ "$status" -gt 2 ]; then
                failed=1
                head -n 1 "$tmp/err" | cut -c1-160
            fi
            if [ $((rss_kib / 1024)) -gt 128 ]; then failed=1; fi
            if awk -v r="$ratio" 'BEGIN { exit !(r > 3) }'; then failed=1; fi
        done
    done
done
[ "$failed" -eq 0 ] && echo "PASS: linear within 3x per row, peak RSS <= 128 MiB" || echo "FAIL"
exit "$failed"
