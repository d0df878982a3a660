#!/bin/sh
# cli.sh -- pinned behaviour of `xgc run`: for each tests/numeric/cli/NAME.cmd
# (line 1: the exit status, line 2: the arguments of xgc, relative to the
# source tree), xgc must exit with that status and print exactly NAME.out on
# stdout and NAME.err on stderr.
#
# usage: tests/numeric/cli.sh [--update] [NAME...]
#   --update  rewrite the .out and .err files from what xgc prints now; read the diff!
# Environment: XGC (default ./xgc), SRCDIR (default .), as tests/errors/run.sh.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
update=0
if [ "$1" = --update ]; then update=1; shift; fi
case $XGC in
  /*) ;;
  *) XGC=$(pwd)/$XGC ;;
esac
if [ ! -x "$XGC" ]; then
  echo "cli.sh: no xgc at '$XGC' (set XGC)" >&2
  exit 99
fi
cd "$SRCDIR" || exit 99 # messages name files relative to the source tree
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ $# -eq 0 ]; then set -- tests/numeric/cli/*.cmd; fi
pass=0 fail=0
for arg in "$@"; do :; done # (the loop below reuses $@: keep the list)
list="$*"
for arg in $list; do
  name=$(basename "$arg" .cmd)
  base=tests/numeric/cli/$name
  want=$(sed -n 1p "$base.cmd")
  args=$(sed -n 2p "$base.cmd")
  # shellcheck disable=SC2086 # the arguments are split on purpose
  set -- $args
  cmd=$1
  shift
  "$XGC" "$cmd" --stdlib-dir=stdlib "$@" >"$tmp/out" 2>"$tmp/err" </dev/null && rc=0 || rc=$?
  if [ $update = 1 ]; then
    cp "$tmp/out" "$base.out"
    cp "$tmp/err" "$base.err"
    [ "$rc" = "$want" ] || echo "WARNING $name: exit status $rc, expected $want"
    continue
  fi
  if [ "$rc" = "$want" ] && cmp -s "$tmp/out" "$base.out" && cmp -s "$tmp/err" "$base.err"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit status $rc (expected $want)"
    diff -u "$base.out" "$tmp/out"
    diff -u "$base.err" "$tmp/err"
  fi
done
[ $update = 1 ] && exit 0
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
