#!/usr/bin/env bash
# Builds portwatch.exe for 64-bit Windows: one static file, build/mingw/portwatch.exe, to copy
# to a server. Cross-compiled with Debian's mingw-w64 (scripts/setup.sh installs it); the
# libraries are the header-only fmt, CLI11 and nlohmann-json of the build machine.
#
#   ./scripts/build-windows.sh            (arguments go to cmake --build, e.g. -j2)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ ! -f build/mingw/build.ninja ]; then
  cmake -S . -B build/mingw -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake >/dev/null
fi
cmake --build build/mingw --target portwatch "$@"
echo "build/mingw/portwatch.exe"
