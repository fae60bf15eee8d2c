#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every tier. Kernel tests need
# root; with CI set they fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cd build/release
ctest --output-on-failure --timeout 600 "$@"
