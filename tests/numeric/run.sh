#!/bin/sh
# run.sh -- the NumPy comparison suite: runs `xgc run --ref` on every case
# of tests/numeric/data (made by make_data.py: one stdlib op per wrapper
# model, and every model of examples/) and compares each output with the
# NumPy-computed expectation through npycmp (tolerances: docs/interpreter.md).
# Environment: XGC (default ./xgc), SRCDIR (default .), NPYCMP (default: next
# to XGC, tests/numeric/npycmp).  Argument: a case name to run only that one.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
NPYCMP=${NPYCMP:-$(dirname "$XGC")/tests/numeric/npycmp}
DATA=$SRCDIR/tests/numeric/data
ONLY=$1
for p in "$XGC" "$NPYCMP"; do
  if [ ! -x "$p" ]; then
    echo "run.sh: no program at '$p' (set XGC and NPYCMP)" >&2
    exit 99
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-numeric.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0

# run_case NAME XGFILE DIR: inputs DIR/NAME.in-*.npy, params
# DIR/NAME.safetensors, expectations DIR/NAME.out-*.npy.
run_case() {
  name=$1 xg=$2 dir=$3
  set -- run --ref --stdlib-dir="$SRCDIR/stdlib" "$xg"
  for f in "$dir/$name".in-*.npy; do
    [ -e "$f" ] || continue
    n=${f##*.in-}
    set -- "$@" --input "${n%.npy}=$f"
  done
  [ -e "$dir/$name.safetensors" ] && set -- "$@" --weights "$dir/$name.safetensors"
  for f in "$dir/$name".out-*.npy; do
    n=${f##*.out-}
    set -- "$@" -o "${n%.npy}=$tmp/$name.${n}"
  done
  if ! "$XGC" "$@" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
    echo "FAIL: $name: xgc $*"
    cat "$tmp/err"
    fail=$((fail + 1))
    return
  fi
  ok=1
  for f in "$dir/$name".out-*.npy; do
    n=${f##*.out-}
    "$NPYCMP" "$f" "$tmp/$name.$n" >"$tmp/cmp" 2>&1 || { ok=0; echo "FAIL: $name"; cat "$tmp/cmp"; }
  done
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

for xg in "$DATA"/ops/*.xg; do
  name=$(basename "$xg" .xg)
  [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
  run_case "$name" "$xg" "$DATA/ops"
done
for st in "$DATA"/examples/*.safetensors; do
  name=$(basename "$st" .safetensors)
  [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
  run_case "$name" "$SRCDIR/examples/$name.xg" "$DATA/examples"
done

echo "numeric: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
