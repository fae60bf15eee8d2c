#!/usr/bin/env bash
# The whole test suite: installs what is missing, checks formatting, builds and runs every
# tier, then builds the asan preset (AddressSanitizer + UBSan) and runs the unit and cli tiers
# and the kernel oracle under it. Arguments go to every ctest run. Kernel tests need root;
# with CI set they fail rather than skip. The Windows test (label windows) runs
# build/mingw/portwatch.exe under wine.
#
# Time (CI allows 40 minutes on 2 cores): the unit tier runs two tests at a time; the rest
# runs one at a time, since labs and load tests measure the kernel and must not share it.
# Under ASan the kernel tier's labs and load tests are left out: they took 4-5 of ASan's 10
# minutes and drive the same code as the release run, while the parsers they feed are
# covered under ASan by the unit tier's fixtures and the fuzzers; the oracle (snapshot
# against ss on the same namespace) stays, for the netlink code on real kernel messages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long it took, so a slow CI run shows where its minutes went.
step() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "test.sh: ${name}: $((SECONDS - start)) s (total ${SECONDS} s)" >&2
}
release_tests() {
  (cd build/release && ctest --output-on-failure --timeout 600 -L '^unit$' -j2 "$@" &&
    ctest --output-on-failure --timeout 600 -LE '^unit$' "$@")
}
asan_build() {
  # A debug build without benchmarks and fuzzers (those are sanitized already).
  if [ ! -f build/asan/build.ninja ]; then
    cmake --preset asan -DPORTWATCH_BENCH=OFF -DPORTWATCH_FUZZ=OFF >/dev/null
  fi
  cmake --build build/asan
}
asan_tests() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The package is built and installed once, from the release build (above).
  (cd build/asan && ctest --output-on-failure --timeout 600 -L '^unit$' -j2 "$@" &&
    ctest --output-on-failure --timeout 600 -L '^cli$' "$@" &&
    ctest --output-on-failure --timeout 600 -L '^kernel$' -R '^Oracle' "$@")
}

step setup ./scripts/setup.sh
step format ./scripts/format.sh --check
step build ./scripts/build.sh
step build-windows ./scripts/build-windows.sh >/dev/null # portwatch.exe, for tests/windows
step tests release_tests "$@"
step asan-build asan_build
step asan-tests asan_tests "$@"
