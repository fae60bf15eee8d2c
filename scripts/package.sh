#!/usr/bin/env bash
# Builds the Debian package with CPack (cmake/Package.cmake) from the release build:
#   ./scripts/package.sh            -> build/package/portwatch_<version>-<rev>_<arch>.deb
#   ./scripts/package.sh BUILD OUT  -> the same from build tree BUILD into directory OUT
# Installs the Debian packages it lacks first (scripts/setup.sh). Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
out=${2:-build/package}
./scripts/setup.sh
if [ ! -f "$build/build.ninja" ]; then
  if [ "$build" != build/release ]; then
    echo "package: $build is not a configured build tree" >&2
    exit 1
  fi
  cmake --preset release >/dev/null
fi
# What the package holds; the tests and benchmarks are not built for it.
cmake --build "$build" --target portwatch portwatch_cli_docs portwatch_package_files >&2
mkdir -p "$out"
log=$(cpack --config "$build/CPackConfig.cmake" -B "$out" 2>&1) || { echo "$log" >&2; exit 1; }
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' <<<"$log")
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "$log" >&2
  echo "package: cpack made no .deb" >&2
  exit 1
fi
rm -rf "$out/_CPack_Packages"
echo "$deb"
