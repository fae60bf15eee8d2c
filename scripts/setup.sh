#!/usr/bin/env bash
# Installs the Debian packages portwatch needs to build, test and benchmark. Idempotent and
# quiet when everything is already there.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libcpp-httplib-dev libssl-dev libcrypt-dev prometheus
  libcli11-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang llvm libbpf-dev bpftool clang-16 libclang-rt-16-dev clang-format-16 clang-tidy-16
  python3 libncurses-dev tmux
  dpkg-dev lintian man-db
  iproute2 net-tools procps time
  # `portwatch report`'s test opens the HTML in headless Chromium (screenshot + DOM)
  chromium
  # the Windows build (scripts/build-windows.sh) and its tests under wine
  mingw-w64 g++-mingw-w64-x86-64-posix wine wine64
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
