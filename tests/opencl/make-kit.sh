#!/bin/sh
# make-kit.sh -- the OpenCL device kit: what a machine with an OpenCL GPU
# but no LLVM, no OpenCL headers and no package registry (the H200 host)
# needs to check the kernels of tests/opencl/run.sh on its device and to
# time the examples with and without images, with one command, KIT/run.sh.
#   tests/opencl/make-kit.sh OUTDIR      (from the build directory, after
#                                         make all tests/numeric/npycmp)
# It holds every model of tests/cpu/ops, tests/cpu/models,
# tests/opencl/models and examples/ built with --target=opencl and
# --opencl-images=off and =on (a model whose library is the same in both
# modes once), their outputs by `xgc run --ref` on --random-inputs 7
# --random-weights 11 (the kit's runner makes the same inputs and weights),
# the runner bench/device/xgrun (the models run through libxgrt, linked in,
# as an application runs them), npycmp, the tolerances, and the libraries
# these need beyond glibc and the device's libOpenCL.so.1.  docs/opencl.md,
# "Tests".
# Environment: XGC (./xgc), BUILD (.), SRCDIR (..), MAX_MIB (64).
set -u
BUILD=${BUILD:-.}
XGC=${XGC:-$BUILD/xgc}
SRCDIR=${SRCDIR:-..}
MAX_MIB=${MAX_MIB:-64}
die() {
  echo "make-kit.sh: $*" >&2
  exit 1
}
[ $# = 1 ] || die "usage: make-kit.sh OUTDIR"
kit=$1
for p in "$XGC" "$BUILD/bench/device/xgrun" "$BUILD/tests/numeric/npycmp"; do
  [ -x "$p" ] || die "no program '$p': make all tests/numeric/npycmp first"
done
[ -e "$kit" ] && [ -n "$(ls -A "$kit")" ] && die "$kit exists and is not empty"
mkdir -p "$kit/bin" "$kit/lib" "$kit/models" "$kit/data" || die "cannot make $kit"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-oclkit.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# The models of a file and their outputs, as lines "MODEL OUT1 OUT2 ...".
models_of() {
  "$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=loops --target=opencl "$1" |
    awk '/^program / { if (m) print m o; m = substr($2, 1, length($2) - 1); o = "" }
         /^  buffer .* output [0-9]+$/ { o = o " " substr($2, 1, length($2) - 1) }
         END { if (m) print m o }'
}

: >"$kit/cases"
n=0
for xg in "$SRCDIR"/tests/cpu/ops/*.xg "$SRCDIR"/tests/cpu/models/*.xg \
  "$SRCDIR"/tests/opencl/models/*.xg "$SRCDIR"/examples/*.xg; do
  models_of "$xg" >"$tmp/models" || die "$xg: no models"
  while read -r model outs; do
    set -- run --ref --stdlib-dir="$SRCDIR/stdlib" --model "$model" --random-inputs 7 \
      --random-weights 11
    for o in $outs; do set -- "$@" -o "$o=$kit/data/$model.out-$o.npy"; done
    "$XGC" "$@" "$xg" >/dev/null || die "$model: xgc run --ref failed"
    for im in off on; do
      so=$kit/models/$model.$im.so
      "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --target=opencl --opencl-images=$im \
        --model "$model" "$xg" -o "$so" || die "$model: xgc build failed"
      rm -f "${so%.so}.h"
      if [ $im = on ] && cmp -s "$kit/models/$model.off.so" "$so"; then
        rm -f "$so"
        continue
      fi
      echo "$model $im $outs" >>"$kit/cases"
      n=$((n + 1))
    done
  done <"$tmp/models"
done

cp "$BUILD/bench/device/xgrun" "$BUILD/tests/numeric/npycmp" "$kit/bin/"
# The shared libraries beyond glibc (libcjson), not the OpenCL loader: the
# device's own libOpenCL.so.1 finds its driver.
for b in "$kit"/bin/*; do ldd "$b"; done | awk '$2 == "=>" { print $1, $3 }' | sort -u |
  while read -r lib path; do
    case $lib in
      libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux*) ;;
      libOpenCL.so.*) ;;
      *) cp -L "$path" "$kit/lib/$lib" || exit 1 ;;
    esac
  done || die "cannot copy the shared libraries"
cp "$SRCDIR/tests/opencl/tolerances" "$kit/"
cp "$SRCDIR/tests/opencl/kit-run.sh" "$kit/run.sh"
chmod +x "$kit/run.sh"
mib=$(du -sm "$kit" | cut -f1)
[ "$mib" -le "$MAX_MIB" ] || die "the kit takes $mib MiB (MAX_MIB $MAX_MIB)"
echo "kit $kit: $n cases, $mib MiB; run KIT/run.sh on the device"
