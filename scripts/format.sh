#!/usr/bin/env bash
# Applies clang-format (.clang-format) to every tracked C/C++ file, or with --check fails
# listing the files whose formatting differs. One clang-format version for everyone: 16.
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-16 || true)
if [ -z "$fmt" ]; then
  echo "format: clang-format-16 is missing (./scripts/setup.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.c' | grep -v '^tests/fixtures/')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
      bad+=("$f")
    fi
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "format: ${#bad[@]} file(s) differ from .clang-format (fix: ./scripts/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files match .clang-format"
else
  "$fmt" -i "${files[@]}"
fi
