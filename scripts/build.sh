#!/usr/bin/env bash
# Installs what is missing, then configures (once) and builds the release preset.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ ! -f build/release/build.ninja ]; then
  cmake --preset release >/dev/null
fi
cmake --build build/release "$@"
