#!/bin/sh
# xgrun.sh -- the device kit's runner (bench/device/xgrun): a compiled model
# run through xg.h on 1 and 2 threads, its output checked against `xgc run
# --ref` (given inputs, and xgc's random fill of --seed), a wrong
# expectation caught (exit 1), the JSON lines, and each usage and load
# error with its exit status and message.  docs/benchmarks.md.
# Environment: XGC, SRCDIR, BUILDDIR (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
XGRUN=$BUILDDIR/bench/device/xgrun
MKWEIGHTS=$BUILDDIR/tests/examples/mkweights
for p in "$XGRUN" "$MKWEIGHTS"; do
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
echo "ok: xgrun checks and times a model on 1 and 2 threads; wrong outputs and bad usage caught"
