#!/bin/sh
# run.sh -- golden fusion plans and their loop IR: for every
# tests/golden/fusion/NAME.xg, `xgc --verify-each --emit=fusion` must print
# exactly NAME.fusion and `xgc --verify-each --emit=loops --cpu=x86-64-v3`
# (a fixed target) exactly NAME.loops.  (tests/cpu/run.sh runs the same
# models against the reference interpreter.)  `run.sh --update` rewrites
# the goldens; read the diff.  XGC and SRCDIR come from the environment
# (Makefile.am's TESTS_ENVIRONMENT).
update=0
case "$1" in
  --update) update=1 ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$here/../../.." && pwd)}
XGC=${XGC:-$PWD/xgc}
case "$XGC" in /*) ;; *) XGC=$PWD/$XGC ;; esac
[ -x "$XGC" ] || { echo "run.sh: error: no xgc binary at '$XGC' (set XGC)" >&2; exit 99; }
cd "$SRCDIR" || exit 99
tmp=$(mktemp "${TMPDIR:-/tmp}/xgc-golden-fusion.XXXXXX") || exit 99
trap 'rm -f "$tmp"' EXIT INT TERM
pass=0 fail=0
for src in tests/golden/fusion/*.xg; do
  for kind in fusion loops; do
    want=${src%.xg}.$kind
    "$XGC" --stdlib-dir=stdlib --verify-each --emit=$kind --cpu=x86-64-v3 "$src" >"$tmp" 2>&1
    if [ $update = 1 ]; then
      cp "$tmp" "$want"
    elif cmp -s "$tmp" "$want"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL: $src ($kind)"
      diff -u "$want" "$tmp" | head -40
    fi
  done
done
[ $update = 1 ] && exit 0
echo "golden fusion: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
