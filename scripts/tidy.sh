#!/usr/bin/env bash
# Runs clang-tidy 16 (.clang-tidy) over the release build's compile database: every file of
# src/, or the files given. libstdc++ 12's <expected> wants __cpp_concepts >= 202002L, which
# clang 16 implements but does not announce; the extra argument states it. clang 16 spells
# C++23 as -std=c++2b.
set -euo pipefail
cd "$(dirname "$0")/.."
tidy=$(command -v clang-tidy-16 || true)
if [ -z "$tidy" ]; then
  echo "tidy: clang-tidy-16 is missing (./scripts/setup.sh installs it)" >&2
  exit 2
fi
[ -f build/release/compile_commands.json ] || ./scripts/build.sh >/dev/null
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'src/*.cpp')
fi
exec "$tidy" -p build/release --quiet \
  --extra-arg=-std=c++2b --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-macro-redefined \
  "${files[@]}"
