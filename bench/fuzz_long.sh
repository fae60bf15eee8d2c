#!/bin/sh
# Runs every capture fuzz target for longer than the test suite does.
#   bench/fuzz_long.sh BUILD_DIR [SECONDS_EACH=300]
set -eu
build=${1:?usage: fuzz_long.sh BUILD_DIR [SECONDS_EACH]}
seconds=${2:-300}
src=$(cd "$(dirname "$0")/.." && pwd)
for t in fuzz_capture fuzz_windows_netstat fuzz_linux_rows fuzz_windows_exports fuzz_netsh \
         fuzz_line_reader; do
    corpus=$build/tests/fuzz/corpus-$t
    mkdir -p "$corpus"
    echo "== $t for ${seconds}s"
    "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
        -timeout=10 -print_final_stats=1 "$corpus" "$src/tests/fuzz/seeds" 2>&1 | tail -n 3
done
