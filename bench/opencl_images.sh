#!/bin/sh
# opencl_images.sh -- the device experiment of docs/opencl.md: is the image
# layout worth it on this OpenCL device?  For each model, builds it with
# --target=opencl --opencl-images=off and =on, checks both against
# `xgc run --ref` (random inputs and weights, the tolerances of
# tests/opencl/run.sh), and times both with bench/device/xgrun --runs RUNS
# --time (through the runtime; the median of the runs after the first; the
# first OpenCL device).  A measurement, not a
# test: run it on an otherwise idle device.
#   bench/opencl_images.sh [MODELS...]     (from the build directory)
# Environment: XGC (./xgc), SRCDIR (..), RUNS (30).  Models: examples/NAME.xg
# (default: cnn resblock mobilenetv2 resnet18 resnet50 transformer).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-..}
RUNS=${RUNS:-30}
BUILDDIR=$(dirname "$XGC")
XGRUN=$BUILDDIR/bench/device/xgrun
NPYCMP=$BUILDDIR/tests/numeric/npycmp
[ $# -gt 0 ] || set -- cnn resblock mobilenetv2 resnet18 resnet50 transformer
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-oclimg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
common="--stdlib-dir=$SRCDIR/stdlib --random-inputs 7 --random-weights 11"
printf '%-14s %-6s %-12s %s\n' model images check time
for name in "$@"; do
  xg=$SRCDIR/examples/$name.xg
  outs=$("$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=loops --target=opencl "$xg" |
    awk '/^  buffer .* output [0-9]+$/ { print substr($2, 1, length($2) - 1) }')
  set --
  for o in $outs; do set -- "$@" -o "$o=$tmp/want.$o.npy"; done
  # shellcheck disable=SC2086 # the options are split on purpose
  if ! "$XGC" run --ref $common "$@" "$xg" >/dev/null; then
    echo "$name: xgc run --ref failed"
    continue
  fi
  for im in off on; do
    "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --target=opencl --opencl-images=$im "$xg" \
      -o "$tmp/m.so" || { echo "$name: build failed"; continue; }
    set --
    for o in $outs; do set -- "$@" -o "$o=$tmp/got.$o.npy"; done
    t=$("$XGRUN" "$tmp/m.so" --random-inputs 7 --random-weights 11 --runs "$RUNS" --time "$@")
    ok=ok
    for o in $outs; do
      "$NPYCMP" --rtol 1e-5 --atol-max 2e-5 "$tmp/want.$o.npy" "$tmp/got.$o.npy" >/dev/null ||
        ok=MISMATCH
    done
    printf '%-14s %-6s %-12s %s\n' "$name" "$im" "$ok" "${t#*: }"
  done
done
