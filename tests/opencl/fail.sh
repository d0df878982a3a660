#!/bin/sh
# fail.sh -- failures at run time on the OpenCL device: each model below,
# built with --target=opencl, must make tests/opencl/oclrun exit 1 with the
# status code its kernels stored (XG_RUN_*: 1 a read out of range, 2 a
# division by zero, 3 a conversion out of range), with buffers and with
# images.  The models: tests/numeric/cli/oob.xg (as the CPU's
# tests/numeric/cli/cpu-*) and tests/opencl/fail.xg.
# Environment: XGC (default ./xgc), SRCDIR (default .), BUILDDIR.
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-$(dirname "$XGC")}
OCLRUN=$BUILDDIR/tests/opencl/oclrun
if [ ! -x "$XGC" ] || [ ! -x "$OCLRUN" ]; then
  echo "fail.sh: no xgc or oclrun (set XGC)" >&2
  exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-oclfail.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0

# expect FILE MODEL SEED CODE: the run fails with CODE in both modes.
expect() {
  for im in off on; do
    if ! "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --target=opencl --opencl-images=$im \
      --model "$2" "$SRCDIR/$1" -o "$tmp/m.so" 2>"$tmp/err"; then
      echo "FAIL: $2 (images $im): xgc build failed"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$OCLRUN" "$tmp/m.so" \
      --random-inputs "$3" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc != 1 ] || ! grep -q "model '$2' failed at run time with code $4\$" "$tmp/err"; then
      echo "FAIL: $2 (images $im): expected exit 1 and code $4, got exit $rc:"
      cat "$tmp/err"
      fail=$((fail + 1))
      return
    fi
  done
  pass=$((pass + 1))
}

expect tests/numeric/cli/oob.xg shifted 1 1
expect tests/numeric/cli/oob.xg gathered_bad 1 1
expect tests/numeric/cli/oob.xg divided 3 2
expect tests/opencl/fail.xg converted 1 3
expect tests/opencl/fail.xg picked 1 1
echo "opencl failures: $pass passed, $fail failed"
[ $fail = 0 ]
