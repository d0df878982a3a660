#!/bin/sh
# xgrun.sh -- the device kit's runner (bench/device/xgrun): a compiled model
# run through xg.h on 1 and 2 threads, its output checked against `xgc run
# --ref` (given inputs, and xgc's random fill of --seed), a wrong
# expectation caught (exit 1), the JSON lines, and each usage and load
# error with its exit status and message; then as the OpenCL kit runs it
# (tests/opencl/kit-run.sh): --random-weights, -o, --runs N --time and
# --info, on the CPU model and on the model built with --target=opencl
# (POCL here), against `xgc run --ref`.  docs/benchmarks.md, docs/opencl.md.
# (Failures inside an OpenCL run: tests/opencl/fail.sh.)
# Environment: XGC, SRCDIR, BUILDDIR (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
XGRUN=$BUILDDIR/bench/device/xgrun
MKWEIGHTS=$BUILDDIR/tests/examples/mkweights
NPYCMP=$BUILDDIR/tests/numeric/npycmp
for p in "$XGRUN" "$MKWEIGHTS" "$NPYCMP"; do
  [ -x "$p" ] || { echo "xgrun.sh: no program at '$p'" >&2; exit 99; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-xgrun.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
xgc() { cmd=$1; shift; "$XGC" "$cmd" --stdlib-dir="$SRCDIR/stdlib" "$@"; }

# A model with an input, a weight and an output; its weights as the kit
# makes them (mkweights, seed 1: xgc's --random-weights 1).
cat > "$tmp/m.xg" <<'EOF'
import nn;
model m(x: f32[3, 16]) -> (y: f32[3, 16]) {
  param w: f32[16, 16];
  y = nn.relu(nn.matmul(x, w)) * 0.5;
}
EOF
printf 'w 16 16\n' > "$tmp/m.params"
xgc build "$tmp/m.xg" -o "$tmp/m.so" || fail "xgc build"
"$MKWEIGHTS" 1 "$tmp/m.params" - "$tmp/w.safetensors" || fail "mkweights"
printf '# output rtol atol\ny 1e-5 1e-5\n' > "$tmp/m.tol"

# 1. random inputs of seed 1, as xgc's --random-inputs 1 (--seconds 0: every run takes
# longer than that, so 5 runs are timed, as bench/timing.py would)
xgc run --ref "$tmp/m.xg" --random-weights 1 --random-inputs 1 -o "y=$tmp/want1.npy" ||
  fail "xgc run --ref"
"$XGRUN" "$tmp/m.so" --weights "$tmp/w.safetensors" --expect "y=$tmp/want1.npy" --tol "$tmp/m.tol" \
  --threads 1,2 --reps 3 --seconds 0 --json > "$tmp/out" 2> "$tmp/err" || {
  cat "$tmp/err" "$tmp/out"; fail "xgrun on random inputs"; }
[ "$(wc -l < "$tmp/out")" = 2 ] || fail "not one line per thread count: $(cat "$tmp/out")"
grep -q '^{"example": "m", "threads": 1, "check": {"y": {"ok": true, "bad": 0, ' "$tmp/out" ||
  fail "line for 1 thread: $(head -n 1 "$tmp/out")"
grep -q '"threads": 2, .*"result": {"median_ms": [0-9.]*, .*"runs": 5, ' "$tmp/out" ||
  fail "line for 2 threads: $(tail -n 1 "$tmp/out")"

# 2. a given input (the model's output on other inputs: the right shape)
xgc run --ref "$tmp/m.xg" --random-weights 1 --random-inputs 5 -o "y=$tmp/x.npy" || fail "x.npy"
xgc run --ref "$tmp/m.xg" --random-weights 1 --input "x=$tmp/x.npy" -o "y=$tmp/want2.npy" ||
  fail "want2"
"$XGRUN" "$tmp/m.so" --weights "$tmp/w.safetensors" --input "x=$tmp/x.npy" \
  --expect "y=$tmp/want2.npy" --tol "$tmp/m.tol" --threads 2 --reps 2 --seconds 0 > "$tmp/out" ||
  fail "xgrun on a given input: $(cat "$tmp/out")"
grep -q '^  y: ok: 0 of 48 elements out of tolerance' "$tmp/out" ||
  fail "text output: $(cat "$tmp/out")"

# 3. a wrong expectation (the other input's output): exit 1, "ok": false
"$XGRUN" "$tmp/m.so" --weights "$tmp/w.safetensors" --expect "y=$tmp/want2.npy" --tol "$tmp/m.tol" \
  --threads 1 --reps 1 --seconds 0 --json > "$tmp/out" 2>&1
[ $? = 1 ] || fail "a wrong output does not exit 1: $(cat "$tmp/out")"
grep -q '"y": {"ok": false, "bad": [1-9]' "$tmp/out" || fail "wrong output line: $(cat "$tmp/out")"

# 4. errors: exit status and message
expect_error() { # STATUS MESSAGE ARGS...
  status=$1 msg=$2
  shift 2
  "$XGRUN" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ $rc = "$status" ] || fail "xgrun $*: exit $rc, want $status ($(cat "$tmp/err"))"
  grep -qF -- "$msg" "$tmp/err" || fail "xgrun $*: no '$msg' in: $(cat "$tmp/err")"
}
expect_error 2 "no model library given" --threads 1
expect_error 2 "--expect needs --tol FILE" "$tmp/m.so" --expect "y=$tmp/want1.npy"
expect_error 2 "--threads: '0' is not an integer from 1 to 1024" "$tmp/m.so" --threads 1,0
expect_error 2 "--input takes NAME=FILE, not 'x.npy'" "$tmp/m.so" --input x.npy
expect_error 2 "unknown option '--bogus'" "$tmp/m.so" --bogus 1
expect_error 3 "has 1 weight and no weights file was given" "$tmp/m.so" --threads 1
expect_error 3 "the model has no input called 'z'" "$tmp/m.so" --weights "$tmp/w.safetensors" \
  --input "z=$tmp/x.npy" --threads 1
printf 'import nn;\nmodel t(a: f32[2, 2]) -> (b: f32[2, 2]) {\n  b = nn.relu(a);\n}\n' > "$tmp/t.xg"
xgc run --ref "$tmp/t.xg" --random-inputs 1 -o "b=$tmp/bad.npy" || fail "bad.npy"
expect_error 3 "$tmp/bad.npy: holds f32 [2, 2], the model's input 'x' is f32 [3, 16]" \
  "$tmp/m.so" --weights "$tmp/w.safetensors" --input "x=$tmp/bad.npy" --threads 1
expect_error 3 "$tmp/m.params: no tolerance for output 'y'" "$tmp/m.so" \
  --weights "$tmp/w.safetensors" \
  --expect "y=$tmp/want1.npy" --tol "$tmp/m.params" --threads 1
grep -q '"error"' "$tmp/out" && fail "an error line without --json"
"$XGRUN" "$tmp/nope.so" --threads 1 --json > "$tmp/out" 2> /dev/null
grep -q '^{"example": "nope", "threads": 1, "error": ".*nope.so: cannot open' "$tmp/out" ||
  fail "JSON error line: $(cat "$tmp/out")"

# 5. the OpenCL kit's way: xgc run's random weights and inputs (seeds 1, as
# want1.npy), N runs on one load, the output of the last written (-o), the
# timing line and the device, on the CPU model and on the OpenCL one.
# In a sanitizer build the leak checker is off from here: POCL and its LLVM
# leak at exit by design (tests/opencl/run.sh says more).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
xgc build --target=opencl "$tmp/m.xg" -o "$tmp/m.ocl.so" || fail "xgc build --target=opencl"
for lib in m m.ocl; do
  rm -f "$tmp/got.npy"
  ls "${TMPDIR:-/tmp}" | grep '^xgrun-weights-' | sort > "$tmp/before"
  "$XGRUN" "$tmp/$lib.so" --random-weights 1 --random-inputs 1 -o "y=$tmp/got.npy" --runs 3 \
    --time --info --threads 2 > "$tmp/out" 2> "$tmp/err" || {
    cat "$tmp/err" "$tmp/out"; fail "xgrun --runs on $lib"; }
  [ -s "$tmp/err" ] && fail "$lib: messages on stderr: $(cat "$tmp/err")"
  ls "${TMPDIR:-/tmp}" | grep '^xgrun-weights-' | sort | comm -13 "$tmp/before" - | grep -q . &&
    fail "$lib: the random weights file was left behind"
  "$NPYCMP" --rtol 1e-5 --atol-max 1e-6 "$tmp/want1.npy" "$tmp/got.npy" > "$tmp/cmp" ||
    fail "$lib: -o output against xgc run --ref: $(cat "$tmp/cmp")"
  [ "$(wc -l < "$tmp/out")" = 2 ] || fail "$lib: not two lines: $(cat "$tmp/out")"
  if [ $lib = m ]; then
    sed -n 1p "$tmp/out" | grep -qx "device: the host's CPUs (a CPU model), 2 threads" ||
      fail "CPU --info: $(cat "$tmp/out")"
    sed -n 2p "$tmp/out" | grep -qx 'm: median [0-9.]* ms over 2 runs (first run [0-9.]* ms)' ||
      fail "CPU --time: $(cat "$tmp/out")"
  else
    sed -n 1p "$tmp/out" | grep -qx 'platform: [^;]*; device: [^;]*; driver .*' ||
      fail "OpenCL --info: $(cat "$tmp/out")"
    t='m.ocl: median [0-9.]* ms over 2 runs (first run [0-9.]* ms), [1-9][0-9]* launches'
    sed -n 2p "$tmp/out" | grep -qx "$t" ||
      fail "OpenCL --time: $(cat "$tmp/out")"
  fi
done
# the expectations checked after the last of N runs; one run writes nothing to stdout
"$XGRUN" "$tmp/m.ocl.so" --random-weights 1 --expect "y=$tmp/want2.npy" --tol "$tmp/m.tol" \
  --runs 2 > "$tmp/out" 2>&1
[ $? = 1 ] || fail "a wrong OpenCL output does not exit 1: $(cat "$tmp/out")"
grep -q '^  y: WRONG: ' "$tmp/out" || fail "wrong OpenCL output line: $(cat "$tmp/out")"
"$XGRUN" "$tmp/m.ocl.so" --random-weights 1 --input "x=$tmp/x.npy" -o "y=$tmp/got2.npy" \
  --runs 1 > "$tmp/out" 2>&1 || fail "xgrun --runs 1: $(cat "$tmp/out")"
[ -s "$tmp/out" ] && fail "xgrun --runs 1 printed: $(cat "$tmp/out")"
"$NPYCMP" --rtol 1e-5 --atol-max 1e-6 "$tmp/want2.npy" "$tmp/got2.npy" > "$tmp/cmp" ||
  fail "given input on OpenCL: $(cat "$tmp/cmp")"
expect_error 2 "--time needs --runs N with N >= 2" "$tmp/m.so" --time
expect_error 2 "--time needs --runs N with N >= 2" "$tmp/m.so" --runs 1 --time
expect_error 2 "--runs N runs exactly N times: it takes no --json" "$tmp/m.so" --runs 2 --json
expect_error 2 "--runs N runs exactly N times: it takes no --json" "$tmp/m.so" --runs 2 --reps 3
expect_error 2 "--runs N takes one thread count" "$tmp/m.so" --runs 2 --threads 1,2
expect_error 2 "--runs: '0' is not an integer from 1 to 1000" "$tmp/m.so" --runs 0
expect_error 2 "--weights and --random-weights exclude each other" "$tmp/m.so" \
  --weights "$tmp/w.safetensors" --random-weights 1
expect_error 2 "-o takes NAME=FILE, not 'y.npy'" "$tmp/m.so" -o y.npy
expect_error 2 "unknown option '-x'" "$tmp/m.so" -x 1
expect_error 3 "the model has no output called 'z' (-o)" "$tmp/m.ocl.so" --random-weights 1 \
  -o "z=$tmp/z.npy" --runs 1
expect_error 3 "cannot open" "$tmp/nope.so" --random-weights 1 --runs 1
TMPDIR=$tmp/no expect_error 3 "--random-weights: cannot make a temporary file in $tmp/no" \
  "$tmp/m.so" --random-weights 1 --runs 1
expect_error 3 "$tmp/no/y.npy: cannot create" "$tmp/m.ocl.so" --random-weights 1 \
  -o "y=$tmp/no/y.npy" --runs 1
echo "ok: xgrun checks and times a model on 1 and 2 threads, and runs CPU and OpenCL models N" \
  "times with xgc's random weights, -o, --time and --info; wrong outputs and bad usage caught"
