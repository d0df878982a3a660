#!/bin/sh
# fail.sh -- failures at run time on the OpenCL device: each model below
# must make `xgc run --target=opencl` exit 1 with the message of the status
# code its kernels stored (XG_RUN_*: 1 a read out of range, 2 a division by
# zero, 3 a conversion out of range), and the device kit's runner
# bench/device/xgrun (the built library through xg_model_run) exit 3 with
# the runtime's message of the code, with buffers and with images.
# The models: tests/numeric/cli/oob.xg (as the CPU's tests/numeric/cli/cpu-*)
# and tests/opencl/fail.xg.  In a sanitizer build the leak checker is off
# for the processes that load POCL (tests/opencl/run.sh says why).
# Environment: XGC (default ./xgc), SRCDIR (default .), BUILDDIR.
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-$(dirname "$XGC")}
XGRUN=$BUILDDIR/bench/device/xgrun
if [ ! -x "$XGC" ] || [ ! -x "$XGRUN" ]; then
  echo "fail.sh: no xgc or xgrun (set XGC and BUILDDIR)" >&2
  exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-oclfail.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0

# expect FILE MODEL SEED CODE TEXT: the run fails with CODE (TEXT) in both
# modes.
expect() {
  for im in off on; do
    if ! "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --target=opencl --opencl-images=$im \
      --model "$2" "$SRCDIR/$1" -o "$tmp/m.so" 2>"$tmp/err"; then
      echo "FAIL: $2 (images $im): xgc build failed"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    noleak="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    ASAN_OPTIONS=$noleak "$XGRUN" "$tmp/m.so" --random-inputs "$3" --runs 1 >"$tmp/out" \
      2>"$tmp/err"
    rc=$?
    want="xgrun: $tmp/m.so: model '$2' failed with code $4 ($5)"
    if [ $rc != 3 ] || [ "$(cat "$tmp/err")" != "$want" ]; then
      echo "FAIL: $2 (images $im): xgrun: expected exit 3 and '$want', got exit $rc:"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    ASAN_OPTIONS=$noleak "$XGC" run --stdlib-dir="$SRCDIR/stdlib" --target=opencl \
      --opencl-images=$im --model "$2" "$SRCDIR/$1" --random-inputs "$3" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want="xgc: error: model '$2' failed at run time: $5 (xgc run --ref locates it)"
    if [ $rc != 1 ] || [ "$(cat "$tmp/err")" != "$want" ]; then
      echo "FAIL: $2 (images $im): xgc run: expected exit 1 and '$want', got exit $rc:"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
  done
  pass=$((pass + 1))
}

range="a read out of range (a subscript the source does not guard with ??)"
expect tests/numeric/cli/oob.xg shifted 1 1 "$range"
expect tests/numeric/cli/oob.xg gathered_bad 1 1 "$range"
expect tests/numeric/cli/oob.xg divided 3 2 "an integer division or modulo by zero"
expect tests/opencl/fail.xg converted 1 3 \
  "a conversion of a float to an integer type out of its range"
expect tests/opencl/fail.xg picked 1 1 "$range"
echo "opencl failures: $pass passed, $fail failed"
[ $fail = 0 ]
