#!/bin/sh
# run.sh -- OpenCL code against the references, on the first OpenCL device
# (POCL here), with --opencl-images=off (buffers only) and =on (every
# eligible tensor in image memory):
#  1. every case of tests/numeric/data (stdlib ops, built-ins, examples)
#     against the NumPy-computed outputs;
#  2. every model of tests/cpu/ops/*.xg (stdlib ops on odd shapes), of
#     tests/cpu/models/*.xg, of tests/opencl/models/*.xg (the image layout
#     where the stdlib does not reach), of tests/golden/fusion/*.xg (fusion
#     groups, epilogues) and of examples/*.xg against
#     `xgc run --ref` on the same --random-inputs / --random-weights.
# Each model is built with `xgc build --target=opencl` (so that a model
# whose library is the same in both modes runs once) and run by
# `xgc run --target=opencl` through the runtime (RUNNER=xgc, the default),
# or by bench/device/xgrun on the library built (RUNNER=xgrun: the runner of
# the device kit, the runtime linked into it as in an application).  Float outputs pass
# when |got - want| <= RTOL*|want| + ATOL_MAX*max|want| (npycmp; the
# numbers and tests/opencl/tolerances are explained in docs/opencl.md);
# integers and bools must be equal.
# Environment: XGC (default ./xgc), SRCDIR (default .), BUILDDIR (default
# XGC's directory), RUNNER, RTOL, ATOL_MAX, IMAGES ("off on" by default: the modes
# to run), JOBS (cases run at once, default 2), QUICK (below).  Arguments:
# case names to run only those.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-$(dirname "$XGC")}
NPYCMP=$BUILDDIR/tests/numeric/npycmp
XGRUN=$BUILDDIR/bench/device/xgrun
RTOL=${RTOL:-1e-5}
ATOL_MAX=${ATOL_MAX:-2e-5}
IMAGES=${IMAGES:-off on}
JOBS=${JOBS:-2}
RUNNER=${RUNNER:-xgc}
# QUICK=1 (the default in a sanitizer build, where `make check` runs the
# suites a second time): the first shape of each op of tests/numeric/data,
# the small examples, tests/cpu/models, tests/opencl/models and
# tests/golden/fusion.
QUICK=${QUICK:-${SAN_CFLAGS:+1}}
DATA=$SRCDIR/tests/numeric/data
for p in "$XGC" "$NPYCMP" "$XGRUN"; do
  if [ ! -x "$p" ]; then
    echo "run.sh: no program at '$p' (set XGC and BUILDDIR)" >&2
    exit 99
  fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-opencl.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
ONLY=" $* "
start=$(date +%s)

wanted() { [ "$ONLY" = "  " ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# compare NAME WANT GOT: one output against its expectation (the
# tolerances of tests/opencl/tolerances where NAME is listed there)
compare() {
  rtol=$RTOL atol_max=$ATOL_MAX
  case_name=${1%% *}
  line=$(grep "^$case_name " "$SRCDIR/tests/opencl/tolerances")
  # shellcheck disable=SC2086 # the line is split on purpose
  [ -n "$line" ] && set -- "$1" "$2" "$3" $line && rtol=$5 atol_max=$6
  if ! "$NPYCMP" --rtol "$rtol" --atol-max "$atol_max" "$2" "$3" >"$tmp/cmp" 2>&1; then
    echo "FAIL: $1"
    cat "$tmp/cmp"
    return 1
  fi
}

# build XGFILE MODEL IMAGES: the OpenCL library $tmp/m.so (a copy in
# $tmp/m.IMAGES.so); status 2 when it is the library of the mode run
# before (a model with no tensor in an image: the run would repeat that one)
build() {
  rm -f "$tmp/m.$3.so"
  if ! "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --target=opencl --opencl-images="$3" \
    ${2:+--model "$2"} "$1" -o "$tmp/m.so" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
    echo "FAIL: $2 (images $3): xgc build --target=opencl $1"
    cat "$tmp/err"
    return 1
  fi
  cp "$tmp/m.so" "$tmp/m.$3.so"
  for other in $IMAGES; do
    [ "$other" = "$3" ] && break
    cmp -s "$tmp/m.$other.so" "$tmp/m.so" && return 2
  done
  return 0
}

# run_model XGFILE MODEL IMAGES ARGS...: the model (built into $tmp/m.so)
# on the device, with `xgc run`'s options ARGS.  In a sanitizer build the
# leak checker is off here: POCL and its LLVM leak at exit by design, and
# LeakSanitizer's tracer crashes on POCL's threads (ASan's other checks
# stay on).
run_model() {
  xg=$1 model=$2 im=$3
  shift 3
  noleak="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  if [ "$RUNNER" = xgc ]; then
    ASAN_OPTIONS=$noleak "$XGC" run --stdlib-dir="$SRCDIR/stdlib" --target=opencl \
      --opencl-images="$im" ${model:+--model "$model"} "$xg" "$@"
  else
    ASAN_OPTIONS=$noleak "$XGRUN" "$tmp/m.so" --runs 1 "$@"
  fi
}

# numpy_case NAME XGFILE DIR: inputs DIR/NAME.in-*.npy, params
# DIR/NAME.safetensors, expectations DIR/NAME.out-*.npy.
numpy_case() {
  name=$1 xg=$2 dir=$3
  for im in $IMAGES; do
    build "$xg" "" "$im"
    case $? in 1) fail=$((fail + 1)); return ;; 2) continue ;; esac
    set --
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
    if ! run_model "$xg" "" "$im" "$@" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
      echo "FAIL: $name (images $im): $RUNNER $xg $*"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    for f in "$dir/$name".out-*.npy; do
      n=${f##*.out-}
      compare "$name (images $im)" "$f" "$tmp/got.$n" || { fail=$((fail + 1)); return; }
    done
  done
  pass=$((pass + 1))
}

# The models of a file and their outputs, as lines "MODEL OUT1 OUT2 ...".
models_of() {
  "$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=loops --target=opencl "$1" |
    awk '/^program / { if (m) print m o; m = substr($2, 1, length($2) - 1); o = "" }
         /^  buffer .* output [0-9]+$/ { o = o " " substr($2, 1, length($2) - 1) }
         END { if (m) print m o }'
}

# ref_case XGFILE MODEL OUTPUTS...: OpenCL code against --ref.
ref_case() {
  xg=$1 model=$2
  shift 2
  outs=$*
  set -- run --ref --stdlib-dir="$SRCDIR/stdlib" --model "$model" --random-inputs 7 \
    --random-weights 11
  for o in $outs; do set -- "$@" -o "$o=$tmp/want.$o.npy"; done
  if ! "$XGC" "$@" "$xg" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: $model: xgc $* $xg"
    cat "$tmp/err"
    fail=$((fail + 1))
    return
  fi
  for im in $IMAGES; do
    build "$xg" "$model" "$im"
    case $? in 1) fail=$((fail + 1)); return ;; 2) continue ;; esac
    set -- --random-inputs 7 --random-weights 11
    for o in $outs; do set -- "$@" -o "$o=$tmp/got.$o.npy"; done
    if ! run_model "$xg" "$model" "$im" "$@" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
      echo "FAIL: $model (images $im): $RUNNER $xg $*"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    for o in $outs; do
      compare "$model (images $im)" "$tmp/want.$o.npy" "$tmp/got.$o.npy" ||
        { fail=$((fail + 1)); return; }
    done
  done
  pass=$((pass + 1))
}

# One case (`run.sh --job FUNCTION ARGS...`, for xargs): its report, then
# "RESULT passed failed".
if [ "$1" = --job ]; then
  shift
  "$@" >"$tmp/log" 2>&1
  cat "$tmp/log"
  echo "RESULT $pass $fail"
  exit 0
fi

# The cases, one line each: the function and its arguments.
for xg in "$DATA"/ops/*.xg; do
  name=$(basename "$xg" .xg)
  case $QUICK:$name in 1:*_[1-9]) continue ;; esac
  wanted "$name" && echo "numpy_case $name $xg $DATA/ops"
done >"$tmp/jobs"
for st in "$DATA"/examples/*.safetensors; do
  name=$(basename "$st" .safetensors)
  wanted "$name" && echo "numpy_case $name $SRCDIR/examples/$name.xg $DATA/examples"
done >>"$tmp/jobs"
set -- "$SRCDIR"/tests/cpu/models/*.xg "$SRCDIR"/tests/opencl/models/*.xg \
  "$SRCDIR"/tests/golden/fusion/*.xg
[ "$QUICK" = 1 ] || set -- "$SRCDIR"/tests/cpu/ops/*.xg "$@" "$SRCDIR"/examples/*.xg
for xg in "$@"; do
  if ! models_of "$xg" >"$tmp/models"; then
    echo "FAIL: $xg: no models" >&2
    fail=$((fail + 1))
    continue
  fi
  while read -r model outs; do
    wanted "$model" && echo "ref_case $xg $model $outs"
  done <"$tmp/models"
done >>"$tmp/jobs"

# JOBS cases at a time (POCL compiles each program on one core).
xargs -P "$JOBS" -L 1 sh "$0" --job <"$tmp/jobs" >"$tmp/results"
while read -r line; do
  # shellcheck disable=SC2086 # the line is split on purpose
  case $line in
    "RESULT "*) set -- $line && pass=$((pass + $2)) && fail=$((fail + $3)) ;;
    *) echo "$line" ;;
  esac
done <"$tmp/results"
[ "$(grep -c '^RESULT ' "$tmp/results")" = "$(wc -l <"$tmp/jobs")" ] ||
  { echo "FAIL: some cases did not report"; fail=$((fail + 1)); }

echo "opencl: $pass passed, $fail failed ($(($(date +%s) - start)) s, $JOBS jobs${QUICK:+, quick})"
[ $fail = 0 ] && [ $pass -gt 0 ]
