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
  # One clang-format for every file (one per file took 90 s of CI); it names each file
  # that differs in its warnings.
  if ! report=$("$fmt" --dry-run "${files[@]}" 2>&1 >/dev/null); then
    echo "format: clang-format failed:" >&2
    echo "$report" >&2
    exit 2
  fi
  mapfile -t bad < <(printf '%s\n' "$report" |
    sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
  if [ ${#bad[@]} -gt 0 ]; then
    echo "format: ${#bad[@]} file(s) differ from .clang-format (fix: ./scripts/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files match .clang-format"
else
  "$fmt" -i "${files[@]}"
fi
