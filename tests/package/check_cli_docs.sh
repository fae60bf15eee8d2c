#!/usr/bin/env bash
# The man pages and shell completions say what --help says: for every command (found in
# --help's Subcommands), each option and positional --help lists is in its man page, the bash
# completion offers exactly --help's options (and its subcommands), and the zsh and fish
# scripts name each option. The man pages render without warnings.
#   check_cli_docs.sh BINARY MANDIR BASH_COMPLETION ZSH_COMPLETION FISH_COMPLETION
# Run on the build tree (ctest cli_docs_match_help) and on an installed package
# (install_test.sh).
set -euo pipefail
if [ $# -ne 5 ]; then
  echo "usage: $0 BINARY MANDIR BASH_COMPLETION ZSH_COMPLETION FISH_COMPLETION" >&2
  exit 2
fi
bin=$1 mandir=$2 bash_file=$3 zsh_file=$4 fish_file=$5
export LC_ALL=C MANWIDTH=200
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check_cli_docs: $*" >&2; failures=$((failures + 1)); }

# The lines of one --help section ("Options:", "Subcommands:", "Positionals:").
section() { awk -v want="$1" '/^[A-Za-z].*:$/ { on = ($0 == want); next } on && /^  [^ ]/' ; }

# Options of a help text: "  -s,--state TEXT ..." gives -s and --state.
help_options() { section "Options:" | awk '{ print $1 }' | tr ',' '\n' | sort -u; }

# Words bash completes for: portwatch WORDS... CUR
bash_complete() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));
           _portwatch; printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_file" "$@"
}

check_command() {  # the command path after the program name, e.g. "" or "snapshot"
  local -a path=($1)
  local help page rendered name options subs positionals
  help=$("$bin" "${path[@]}" --help)
  name=portwatch${1:+-${1// /-}}
  page="$mandir/$name.1.gz"
  [ -f "$page" ] || page="$mandir/$name.1"
  if [ ! -f "$page" ]; then
    fail "no man page $name(1) for 'portwatch $1'"
    return
  fi
  local warnings
  rendered=$(man -P cat --warnings -l "$page" 2>"$tmp/warnings") || fail "man $page failed"
  warnings=$(cat "$tmp/warnings")
  [ -z "$warnings" ] || fail "$name(1) renders with warnings: $warnings"

  options=$(help_options <<<"$help")
  [ -n "$options" ] || fail "'portwatch $1 --help' lists no options (help format changed?)"
  local man_options
  # An option's tag line: "       -s, --state TEXT ..." (.TP puts a short tag and the text
  # on one line: "       --csv  CSV with a header row").
  man_options=$(awk '/^OPTIONS$/ { on = 1; next } /^[A-Z]/ { on = 0 }
                     on && /^       -/ { for (i = 1; i <= NF && $i ~ /^-/; i++) {
                                          t = $i; sub(/,$/, "", t); print t; if ($i !~ /,$/) break } }' \
                  <<<"$rendered" | sort -u)
  [ "$options" = "$man_options" ] ||
    fail "$name(1) OPTIONS differ from --help: $(diff <(echo "$options") <(echo "$man_options") | grep '^[<>]' | tr '\n' ' ')"

  positionals=$(section "Positionals:" <<<"$help" | awk '{ print $1 }')
  for p in $positionals; do
    grep -qE "^       $p( |\$)" <<<"$rendered" || fail "$name(1) does not describe the argument $p"
  done

  local bash_options
  bash_options=$(bash_complete portwatch "${path[@]}" - | sort -u)
  [ "$options" = "$bash_options" ] ||
    fail "bash completion of 'portwatch $1 -' differs from --help: $(diff <(echo "$options") <(echo "$bash_options") | grep '^[<>]' | tr '\n' ' ')"

  for opt in $options; do
    grep -q -- "$opt[]=+'{},[]" "$zsh_file" || fail "zsh completion lacks $opt of 'portwatch $1'"
    if [[ $opt == --* ]]; then
      grep -q -- " -l ${opt#--}\b" "$fish_file" || fail "fish completion lacks $opt of 'portwatch $1'"
    else
      grep -q -- " -s ${opt#-}\b" "$fish_file" || fail "fish completion lacks $opt of 'portwatch $1'"
    fi
  done

  subs=$(section "Subcommands:" <<<"$help" | awk '{ print $1 }')
  local bash_subs
  bash_subs=$(bash_complete portwatch "${path[@]}" "" | sort -u)
  if [ -n "$subs" ] && [ "$(sort -u <<<"$subs")" != "$bash_subs" ]; then
    fail "bash completion of 'portwatch $1 ' offers '$(echo $bash_subs)', --help lists '$(echo $subs)'"
  fi
  for sub in $subs; do
    grep -qE "^       $sub( |\$)" <<<"$rendered" || fail "$name(1) does not list the command $sub"
    check_command "${1:+$1 }$sub"
  done
}

check_command ""
pages=$(ls "$mandir" | grep -c '^portwatch' || true)
echo "check_cli_docs: $pages man pages and the bash, zsh and fish completions checked against --help"
[ "$failures" -eq 0 ] || { echo "check_cli_docs: $failures failures" >&2; exit 1; }
