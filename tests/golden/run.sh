#!/bin/sh
# run.sh -- golden AST dumps: for each tests/golden/NAME.xg, `xgc --emit=ast`
# must print exactly tests/golden/NAME.ast.  `run.sh --update` rewrites them.
#
# XGC (the binary) and SRCDIR (the source tree) come from Makefile.am's
# TESTS_ENVIRONMENT; run by hand, they default to ./xgc and this script's
# tree.  Files run from $SRCDIR with relative paths, so the dumps do not
# depend on where the tree lives; imports resolve in tests/golden/lib.

update=0
case "$1" in
  --update) update=1 ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$here/../.." && pwd)}
XGC=${XGC:-$PWD/xgc}
case "$XGC" in /*) ;; *) XGC=$PWD/$XGC ;; esac
if [ ! -x "$XGC" ]; then
  echo "run.sh: error: no xgc binary at '$XGC' (set XGC)" >&2
  exit 1
fi
cd "$SRCDIR" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0 count=0
for src in tests/golden/*.xg; do
  [ -e "$src" ] || continue
  count=$((count + 1))
  want=${src%.xg}.ast
  got=$tmp/$(basename "$want")
  if ! "$XGC" --emit=ast --stdlib-dir="$SRCDIR/stdlib" -I tests/golden/lib "$src" >"$got" 2>"$tmp/err"; then
    echo "FAIL: $src: xgc failed:"
    cat "$tmp/err"
    fail=$((fail + 1))
    continue
  fi
  if [ -s "$tmp/err" ]; then
    echo "FAIL: $src: xgc printed diagnostics:"
    cat "$tmp/err"
    fail=$((fail + 1))
    continue
  fi
  if [ $update = 1 ]; then
    cp "$got" "$want"
    echo "updated: $want"
  elif [ ! -f "$want" ]; then
    echo "FAIL: $src: no golden file $want (run tests/golden/run.sh --update)"
    fail=$((fail + 1))
    continue
  elif ! diff -u "$want" "$got"; then
    echo "FAIL: $src: the dump differs from $want (diff above)"
    fail=$((fail + 1))
    continue
  fi
  pass=$((pass + 1))
done

# A golden without its source is a mistake too.
for want in tests/golden/*.ast; do
  [ -e "$want" ] || continue
  if [ ! -f "${want%.ast}.xg" ]; then
    echo "FAIL: $want has no source ${want%.ast}.xg"
    fail=$((fail + 1))
  fi
done

if [ $count = 0 ]; then
  echo "FAIL: no tests/golden/*.xg found under $SRCDIR"
  exit 1
fi
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
