#!/bin/sh
# run.sh -- the example networks against PyTorch: `xgc run --ref` of each
# examples/NAME.xg that has tests/examples/data/NAME.tol, on xgc's random
# inputs (seed 1) and weights (seed 1; for the batchnorm networks the
# random fill with the committed calibrated statistics, put together by
# mkweights), compared by npycmp with NAME.out-OUT.npy, which
# examples/scripts/NAME.py computed with PyTorch on the same numbers, within
# the tolerances of NAME.tol.  docs/examples.md.
# Environment: XGC (default ./xgc), SRCDIR (default .), NPYCMP and MKWEIGHTS
# (default: next to XGC, tests/numeric/npycmp and tests/examples/mkweights),
# WEIGHTS_DIR (optional: take DIR/NAME.safetensors and DIR/NAME.in-*.npy,
# as examples/scripts/NAME.py --weights-dir DIR writes them, instead).
# Arguments: example names, to run only those.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
NPYCMP=${NPYCMP:-$(dirname "$XGC")/tests/numeric/npycmp}
MKWEIGHTS=${MKWEIGHTS:-$(dirname "$XGC")/tests/examples/mkweights}
DATA=$SRCDIR/tests/examples/data
for p in "$XGC" "$NPYCMP" "$MKWEIGHTS"; do
  if [ ! -x "$p" ]; then
    echo "run.sh: no program at '$p' (set XGC, NPYCMP and MKWEIGHTS)" >&2
    exit 99
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-examples.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0

# weights NAME: the weight and input options of NAME's run, as words.
weights() {
  name=$1
  if [ -n "$WEIGHTS_DIR" ] && [ -e "$WEIGHTS_DIR/$name.safetensors" ]; then
    echo "--weights $WEIGHTS_DIR/$name.safetensors"
    for f in "$WEIGHTS_DIR/$name".in-*.npy; do
      n=${f##*.in-}
      echo "--input ${n%.npy}=$f"
    done
  elif [ -e "$DATA/$name.fixed.safetensors" ]; then
    "$MKWEIGHTS" 1 "$DATA/$name.params" "$DATA/$name.fixed.safetensors" \
      "$tmp/$name.safetensors" >&2 || return 1
    echo "--weights $tmp/$name.safetensors --random-inputs 1"
  else
    echo "--random-weights 1 --random-inputs 1"
  fi
}

# run_example NAME: one run, every output compared.
run_example() {
  name=$1
  if ! opts=$(weights "$name"); then
    echo "FAIL: $name: mkweights failed"
    fail=$((fail + 1))
    return
  fi
  outs=$(grep -v '^#' "$DATA/$name.tol" | while read -r out _ _; do
    echo "-o $out=$tmp/$name.out-$out.npy"
  done)
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # opts and outs are words without blanks
  if ! "$XGC" run --ref --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR/examples/$name.xg" \
       $opts $outs >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
    echo "FAIL: $name: xgc run --ref $SRCDIR/examples/$name.xg $opts $outs"
    cat "$tmp/err"
    fail=$((fail + 1))
    rm -f "$tmp/$name.safetensors"
    return
  fi
  end=$(date +%s%N)
  rm -f "$tmp/$name.safetensors"
  ok=1
  while read -r out rtol atol; do
    case "$out" in '#'*|'') continue ;; esac
    if "$NPYCMP" --rtol "$rtol" --atol "$atol" "$DATA/$name.out-$out.npy" \
         "$tmp/$name.out-$out.npy" >"$tmp/cmp" 2>&1; then
      sed "s|^$tmp/||" "$tmp/cmp"
    else
      ok=0
      echo "FAIL: $name"
      cat "$tmp/cmp"
    fi
  done <"$DATA/$name.tol"
  ms=$(((end - start) / 1000000))
  if [ $ok = 1 ]; then
    echo "PASS: $name ($((ms / 1000)).$(printf %03d $((ms % 1000))) s)"
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
}

for tol in "$DATA"/*.tol; do
  name=$(basename "$tol" .tol)
  if [ $# -gt 0 ]; then
    case " $* " in *" $name "*) ;; *) continue ;; esac
  fi
  run_example "$name"
done

echo "examples: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
