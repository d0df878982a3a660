#!/bin/sh
# run.sh -- compiled code against the references, on 1 and 2 threads:
#  1. every case of tests/numeric/data (stdlib ops, built-ins, examples):
#     `xgc run` against the NumPy-computed outputs;
#  2. every model of tests/cpu/ops/*.xg (stdlib ops on odd shapes, made by
#     make_cases.py), of tests/cpu/models/*.xg (types and operations the
#     stdlib does not use), of examples/*.xg (examples/stdlib_shapes.xg
#     among them) and of tests/golden/fusion/*.xg (fusion groups): `xgc
#     run` against `xgc run --ref` on the same --random-inputs /
#     --random-weights.
# Float outputs pass when |got - want| <= RTOL*|want| + ATOL_MAX*max|want|
# (npycmp --rtol --atol-max; docs/cpu.md explains the numbers); integers
# and bools must be equal.
# Environment: XGC (default ./xgc), SRCDIR (default .), NPYCMP (default next
# to XGC), RTOL, ATOL_MAX, CPU (--cpu, default native).  Arguments: case
# names to run only those.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
NPYCMP=${NPYCMP:-$(dirname "$XGC")/tests/numeric/npycmp}
RTOL=${RTOL:-1e-5}
ATOL_MAX=${ATOL_MAX:-2e-5}
CPU=${CPU:-native}
DATA=$SRCDIR/tests/numeric/data
for p in "$XGC" "$NPYCMP"; do
  if [ ! -x "$p" ]; then
    echo "run.sh: no program at '$p' (set XGC and NPYCMP)" >&2
    exit 99
  fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-cpu.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
ONLY=" $* "

wanted() { [ "$ONLY" = "  " ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# compare NAME WANT GOT: one output file against its expectation (the
# tolerances of tests/cpu/tolerances where NAME is listed there)
compare() {
  rtol=$RTOL atol_max=$ATOL_MAX
  case_name=${1%% *}
  line=$(grep "^$case_name " "$SRCDIR/tests/cpu/tolerances")
  # shellcheck disable=SC2086 # the line is split on purpose
  [ -n "$line" ] && set -- "$1" "$2" "$3" $line && rtol=$5 atol_max=$6
  if ! "$NPYCMP" --rtol "$rtol" --atol-max "$atol_max" "$2" "$3" >"$tmp/cmp" 2>&1; then
    echo "FAIL: $1"
    cat "$tmp/cmp"
    return 1
  fi
}

# numpy_case NAME XGFILE DIR: inputs DIR/NAME.in-*.npy, params
# DIR/NAME.safetensors, expectations DIR/NAME.out-*.npy.
numpy_case() {
  name=$1 xg=$2 dir=$3
  for threads in 1 2; do
    set -- run --stdlib-dir="$SRCDIR/stdlib" --cpu="$CPU" --threads $threads "$xg"
    for f in "$dir/$name".in-*.npy; do
      [ -e "$f" ] || continue
      n=${f##*.in-}
      set -- "$@" --input "${n%.npy}=$f"
    done
    [ -e "$dir/$name.safetensors" ] && set -- "$@" --weights "$dir/$name.safetensors"
    for f in "$dir/$name".out-*.npy; do
      n=${f##*.out-}
      set -- "$@" -o "${n%.npy}=$tmp/got.$n"
    done
    if ! "$XGC" "$@" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
      echo "FAIL: $name ($threads threads): xgc $*"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    for f in "$dir/$name".out-*.npy; do
      n=${f##*.out-}
      compare "$name ($threads threads)" "$f" "$tmp/got.$n" || { fail=$((fail + 1)); return; }
    done
  done
  pass=$((pass + 1))
}

# The models of a file and their outputs, as lines "MODEL OUT1 OUT2 ...".
# (fails, with its messages, when the file does not lower)
models_of() {
  "$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=loops --cpu=x86-64-v3 "$1" >"$tmp/loops" || return 1
  awk '/^program / { if (m) print m o; m = substr($2, 1, length($2) - 1); o = "" }
       /^  buffer .* output [0-9]+$/ { o = o " " substr($2, 1, length($2) - 1) }
       END { if (m) print m o }' "$tmp/loops"
}

# ref_case XGFILE MODEL OUTPUTS...: compiled (1 and 2 threads) against --ref.
ref_case() {
  xg=$1 model=$2
  shift 2
  outs=$*
  common="--stdlib-dir=$SRCDIR/stdlib --model $model --random-inputs 7 --random-weights 11"
  set -- run --ref $common
  for o in $outs; do set -- "$@" -o "$o=$tmp/want.$o.npy"; done
  if ! "$XGC" "$@" "$xg" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: $model: xgc $* $xg"
    cat "$tmp/err"
    fail=$((fail + 1))
    return
  fi
  for threads in 1 2; do
    set -- run $common --cpu="$CPU" --threads $threads
    for o in $outs; do set -- "$@" -o "$o=$tmp/got.$o.npy"; done
    if ! "$XGC" "$@" "$xg" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
      echo "FAIL: $model ($threads threads): xgc $* $xg"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    for o in $outs; do
      compare "$model ($threads threads)" "$tmp/want.$o.npy" "$tmp/got.$o.npy" || { fail=$((fail + 1)); return; }
    done
  done
  pass=$((pass + 1))
}

for xg in "$DATA"/ops/*.xg; do
  name=$(basename "$xg" .xg)
  wanted "$name" && numpy_case "$name" "$xg" "$DATA/ops"
done
for st in "$DATA"/examples/*.safetensors; do
  name=$(basename "$st" .safetensors)
  wanted "$name" && numpy_case "$name" "$SRCDIR/examples/$name.xg" "$DATA/examples"
done
for xg in "$SRCDIR"/tests/cpu/ops/*.xg "$SRCDIR"/tests/cpu/models/*.xg "$SRCDIR"/examples/*.xg \
  "$SRCDIR"/tests/golden/fusion/*.xg; do
  models_of "$xg" >"$tmp/models" || { echo "FAIL: $xg: no models"; fail=$((fail + 1)); continue; }
  while read -r model outs; do
    wanted "$model" || continue
    # shellcheck disable=SC2086 # the output names are split on purpose
    ref_case "$xg" "$model" $outs
  done <"$tmp/models"
done

echo "cpu: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
