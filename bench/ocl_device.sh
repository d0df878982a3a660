#!/bin/sh
# ocl_device.sh -- the OpenCL runtime on another machine's device (the GPU
# machine): tests/unit/test_ocl on its default device, then the cold-start
# benchmark with the drivers' own caches cold and warm.  Run from the
# repository root after configuring and building in $BUILDDIR (default
# build; the packages of .ci/build and the device's OpenCL ICD needed);
# results go to $OUT (default .): test_ocl.txt, coldstart-cold.txt,
# coldstart-warm.txt.  XG_OPENCL_DEVICE picks another device.
BUILDDIR=${BUILDDIR:-build}
OUT=$(cd "${OUT:-.}" && pwd) || exit 1
src=$(pwd)
make -C "$BUILDDIR" -j"$(nproc)" tests/unit/test_ocl tests/unit/fake_ocl.la bench/ocl_load \
  bench/ocl_synth.la >"$OUT/make.txt" 2>&1 || { tail -20 "$OUT/make.txt"; exit 1; }
cache=$(mktemp -d "${TMPDIR:-/tmp}/xg-dev.XXXXXX") || exit 1
XG_CACHE_DIR="$cache" SRCDIR="$src" "$BUILDDIR/tests/unit/test_ocl" >"$OUT/test_ocl.txt" 2>&1
echo "test_ocl: exit $? ($(grep -E '^ +(tests|asserts) ' "$OUT/test_ocl.txt" | tr -s ' ' | tr '\n' ';'))"
rm -rf "$cache"
cd "$BUILDDIR" || exit 1
BUILDDIR=. "$src/bench/ocl_coldstart.sh" 5 >"$OUT/coldstart-cold.txt" 2>&1
DRIVER_CACHE=warm BUILDDIR=. "$src/bench/ocl_coldstart.sh" 5 >"$OUT/coldstart-warm.txt" 2>&1
cat "$OUT/coldstart-cold.txt" "$OUT/coldstart-warm.txt"
