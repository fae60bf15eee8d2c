#!/usr/bin/env bash
# The package as a user gets it: builds it (scripts/package.sh), checks it with lintian (no
# errors), installs it with dpkg -i, runs the installed portwatch (--version, diagnose, the
# eBPF owner pass when built in), man, a bash completion and check_cli_docs.sh on the installed
# files, checks the systemd units are installed and not enabled, then removes it with dpkg -r
# and checks that no file of the package is left.
#   install_test.sh SOURCE_DIR BUILD_DIR
# Needs root. Without it: skipped (exit 77), or failed when CI is set. It refuses to run, and
# fails, when a portwatch package it did not install is present: it never removes yours.
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
export LC_ALL=C
say() { echo "install_test: $*"; }
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
skip() {
  [ -z "${CI:-}" ] || fail "$* (CI is set: this test must run, not skip)"
  echo "install_test: SKIP: $*" >&2
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i)"
for tool in dpkg dpkg-deb dpkg-query lintian man cpack; do
  command -v "$tool" >/dev/null || fail "$tool is missing; run ./scripts/setup.sh"
done

# Not yours: a portwatch package in any state but "not installed" stops the test.
status=$(dpkg-query -W -f='${db:Status-Abbrev}' portwatch 2>/dev/null || true)
case "$status" in
  "" | un*) ;;
  *)
    fail "a portwatch package is already on this machine (dpkg status '${status% }'," \
      "version $(dpkg-query -W -f='${Version}' portwatch)). This test installs and removes" \
      "its own package and will not touch yours: remove it first (dpkg -r portwatch) or run" \
      "the test elsewhere." ;;
esac

work=$(mktemp -d /tmp/portwatch-install-test.XXXXXX)
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then
    dpkg -r portwatch >/dev/null 2>&1 || echo "install_test: could not remove portwatch" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

deb=$("$source_dir/scripts/package.sh" "$build_dir" "$work/out" 2>"$work/package.log") ||
  { cat "$work/package.log" >&2; fail "scripts/package.sh failed"; }
say "built $(basename "$deb")"

# Every path the package holds; none of its files may exist yet (they would be overwritten,
# then removed). Directories that do not exist yet must be gone again afterwards.
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | sed '/^$/d' >"$work/paths"
: >"$work/new-dirs"
while read -r path; do
  if [ -e "$path" ] || [ -L "$path" ]; then
    [ -d "$path" ] && [ ! -L "$path" ] && continue
    fail "$path exists but no portwatch package is installed; the package would replace it," \
      "and removing the package would delete it. Move it away first."
  fi
  echo "$path" >>"$work/new-dirs"
done <"$work/paths"

lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$deb" >"$work/lintian" 2>&1 ||
  { cat "$work/lintian" >&2; fail "lintian reports errors"; }
say "lintian: no errors$(grep -c '^W:' "$work/lintian" | sed 's/^0$//; s/.\+/, & warnings/')"

installed=1
dpkg -i "$deb" >"$work/dpkg-i" 2>&1 || { cat "$work/dpkg-i" >&2; fail "dpkg -i failed"; }
say "installed: $(dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}' portwatch)"

[ "$(command -v portwatch)" = /usr/bin/portwatch ] || fail "portwatch is not /usr/bin/portwatch"
if ldd /usr/bin/portwatch | grep -q "not found"; then
  fail "a library the binary needs is missing: $(ldd /usr/bin/portwatch | grep 'not found')"
fi

version=$(portwatch --version)
grep -q "^portwatch [0-9]" <<<"$version" || fail "--version says: $version"
grep -q "^features:" <<<"$version" || fail "--version names no features: $version"
say "portwatch --version: $(echo $version)"

code=0
portwatch diagnose >"$work/diagnose" 2>"$work/diagnose.err" || code=$?
[ "$code" -le 3 ] || { cat "$work/diagnose.err" >&2; fail "portwatch diagnose exited $code"; }
grep -q . "$work/diagnose" || fail "portwatch diagnose printed nothing"
say "portwatch diagnose: exit $code, '$(head -1 "$work/diagnose")'"

# The exporter's HTTP server is a module of its own, loaded from the installed library
# directory: it must be there, find its libraries, and serve.
module=$(dpkg -L portwatch | grep '/portwatch/portwatch-http\.so$' || true)
[ -n "$module" ] || fail "the package has no portwatch-http.so"
if ldd "$module" | grep -q "not found"; then
  fail "a library the HTTP module needs is missing: $(ldd "$module" | grep 'not found')"
fi
portwatch exporter --listen 127.0.0.1:0 --duration 1s >"$work/exporter" 2>"$work/exporter.err" ||
  { cat "$work/exporter.err" >&2; fail "the installed exporter did not start"; }
grep -q "serving http://127.0.0.1:" "$work/exporter.err" ||
  fail "the installed exporter did not serve: $(cat "$work/exporter.err")"
say "portwatch exporter: loaded $module and served"

# The eBPF programs are embedded: the owner pass loads from the installed binary alone.
if grep -q "+bpf" <<<"$version"; then
  portwatch snapshot --owners bpf --json >"$work/bpf.json" 2>"$work/bpf.err" ||
    { cat "$work/bpf.err" >&2; fail "the installed binary's eBPF owner pass did not run"; }
  grep -q '"owners":"bpf"' "$work/bpf.json" ||
    fail "portwatch snapshot --owners bpf did not use the eBPF pass: $(head -c 300 "$work/bpf.json")"
  say "portwatch snapshot --owners bpf: the embedded eBPF owner pass loaded and ran"
  if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
    compgen -G "/sys/fs/bpf/portwatch/owners-*" >/dev/null ||
      fail "the eBPF owner pass left no pin in /sys/fs/bpf/portwatch"
    owner_pin=1
  fi
fi

man_text=$(man -P cat portwatch 2>&1) || fail "man portwatch failed: $man_text"
grep -q "^NAME" <<<"$man_text" && grep -q "portwatch - " <<<"$man_text" ||
  fail "man portwatch shows no NAME section: $man_text"
man -P cat portwatch-diagnose >/dev/null 2>&1 || fail "man portwatch-diagnose failed"
say "man portwatch: $(grep -A1 '^NAME' <<<"$man_text" | tail -1 | sed 's/^ *//')"

bash_completion=/usr/share/bash-completion/completions/portwatch
reply=$(bash -c 'source "$1"; COMP_WORDS=(portwatch di); COMP_CWORD=1; _portwatch;
                 echo "${COMPREPLY[*]}"' _ "$bash_completion")
[ "$reply" = diagnose ] || fail "bash completion of 'portwatch di' gives '$reply', not 'diagnose'"
reply=$(bash -c 'source "$1"; COMP_WORDS=(portwatch snapshot --state TIME_WAIT,CL); COMP_CWORD=3;
                 _portwatch; echo "${COMPREPLY[*]}"' _ "$bash_completion")
[ "$reply" = "TIME_WAIT,CLOSE_WAIT TIME_WAIT,CLOSING" ] ||
  fail "bash completion of '--state TIME_WAIT,CL' gives '$reply'"
say "bash completion: 'portwatch di' -> diagnose; '--state TIME_WAIT,CL' -> $reply"

"$source_dir/tests/package/check_cli_docs.sh" /usr/bin/portwatch /usr/share/man/man1 \
  "$bash_completion" /usr/share/zsh/vendor-completions/_portwatch \
  /usr/share/fish/vendor_completions.d/portwatch.fish || fail "installed man pages or completions differ from --help"

for unit in "$source_dir"/deploy/systemd/*.service; do
  [ -e "$unit" ] || continue
  name=$(basename "$unit")
  [ -f "/usr/lib/systemd/system/$name" ] || [ -f "/lib/systemd/system/$name" ] ||
    fail "systemd unit $name is not installed"
  if find /etc/systemd/system -name "$name" 2>/dev/null | grep -q .; then
    fail "systemd unit $name is enabled; the package installs units disabled"
  fi
  say "systemd unit $name installed, not enabled"
done

dpkg -r portwatch >"$work/dpkg-r" 2>&1 || { cat "$work/dpkg-r" >&2; fail "dpkg -r failed"; }
if [ "${owner_pin:-0}" = 1 ]; then
  ! compgen -G "/sys/fs/bpf/portwatch/owners-*" >/dev/null ||
    fail "dpkg -r left the eBPF owner program pinned: $(ls /sys/fs/bpf/portwatch)"
  say "removed: the pinned eBPF owner program went with the package"
fi
installed=0
status=$(dpkg-query -W -f='${db:Status-Abbrev}' portwatch 2>/dev/null || true)
case "$status" in
  "" | un*) ;;
  *) fail "after dpkg -r portwatch is still '$status' (conffiles left?)" ;;
esac
left=0
while read -r path; do
  if [ -e "$path" ] || [ -L "$path" ]; then
    echo "install_test: left after dpkg -r: $path" >&2
    left=$((left + 1))
  fi
done <"$work/new-dirs"
[ "$left" -eq 0 ] || fail "$left files or directories of the package are still there"
[ ! -e /usr/bin/portwatch ] || fail "/usr/bin/portwatch is still there"
say "removed: no file of the package is left ($(wc -l <"$work/new-dirs") paths checked)"
