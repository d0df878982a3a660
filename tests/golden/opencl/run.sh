#!/bin/sh
# run.sh -- golden OpenCL kernels: for every tests/golden/opencl/NAME.xg,
# `xgc --verify-each --emit=opencl --target=opencl` (with the options of
# its "# xgc-flags:" line, if any) must print exactly NAME.cl.
# `run.sh --update` rewrites the goldens; read the diff.
# XGC and SRCDIR come from the environment (Makefile.am's TESTS_ENVIRONMENT).
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
tmp=$(mktemp "${TMPDIR:-/tmp}/xgc-golden-opencl.XXXXXX") || exit 99
trap 'rm -f "$tmp"' EXIT INT TERM
pass=0 fail=0
for src in tests/golden/opencl/*.xg; do
  want=${src%.xg}.cl
  flags=$(sed -n 's/^# xgc-flags: //p' "$src")
  # shellcheck disable=SC2086 # the flags are split on purpose
  "$XGC" --stdlib-dir=stdlib --verify-each --emit=opencl --target=opencl $flags "$src" >"$tmp" 2>&1
  if [ $update = 1 ]; then
    cp "$tmp" "$want"
  elif cmp -s "$tmp" "$want"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $src"
    diff -u "$want" "$tmp" | head -40
  fi
done
[ $update = 1 ] && exit 0
echo "golden opencl: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
