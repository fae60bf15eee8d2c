#!/bin/sh
# `portwatch analyze` on 1 GB inputs stays under 128 MiB: it streams (1 MiB chunks, lines cut
# at 64 KiB) and stops with an error past --max-sockets (default 200,000) sockets or
# --max-unrecognised (default 16 MiB) of input without a socket row.
#   bench/capture_memory.sh BUILD_DIR
# Prints the exit status, the first line of stderr and the peak RSS of each run.
set -eu
build=${1:?usage: capture_memory.sh BUILD_DIR}
pw=$build/src/app/portwatch
bench=$build/bench/capture_bench
tmp=${TMPDIR:-/tmp}/portwatch-capture-memory.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

run() {
    label=$1; shift
    /usr/bin/time -f '%M' -o "$tmp/rss" "$@" > /dev/null 2> "$tmp/err" && status=0 || status=$?
    rss_kib=$(tail -n 1 "$tmp/rss")
    printf '%-34s exit %s  peak RSS %5d MiB  %s\n' "$label" "$status" $((rss_kib / 1024)) \
        "$(grep -v '^Command exited' "$tmp/err" | head -n 1 | cut -c1-110)"
}

# 1. 1 GiB of random bytes: nothing to parse; stops after --max-unrecognised (16 MiB).
head -c 1073741824 /dev/urandom > "$tmp/garbage.bin"
run "1 GiB random bytes" "$pw" analyze "$tmp/garbage.bin"
# 2. 1 GiB with no newline at all.
head -c 1073741824 /dev/zero | tr '\0' 'x' > "$tmp/oneline.txt"
run "1 GiB, one line" "$pw" analyze "$tmp/oneline.txt"
rm -f "$tmp/garbage.bin" "$tmp/oneline.txt"
# 3. A valid netstat -anob capture of 1 GB (13 million socket rows).
"$bench" 13000000 "$tmp/big.txt" > /dev/null
ls -l "$tmp/big.txt" | awk '{printf "valid capture: %d bytes\n", $5}'
run "1 GB capture (default limit)" "$pw" analyze "$tmp/big.txt"
run "1 GB capture --sockets" "$pw" analyze --sockets --csv "$tmp/big.txt"
