#!/bin/sh
# pipeline.sh -- the LLVM pass pipeline (docs/cpu.md, "The pass
# pipeline"): --emit=llvm names xgc's own pipeline above the optimized
# module; XGC_LLVM_PASSES replaces it (default<O3> builds a library that
# gives the same outputs as xgc's pipeline, within the tolerance); a
# pipeline LLVM does not take is an error that names the variable, no crash.
# Environment: XGC, SRCDIR, BUILDDIR (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
NPYCMP=${NPYCMP:-$BUILDDIR/tests/numeric/npycmp}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-pipeline.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
src=$SRCDIR/examples/resblock.xg
lib="--stdlib-dir=$SRCDIR/stdlib"

"$XGC" "$lib" --emit=llvm "$src" >"$tmp/ll" || fail "--emit=llvm"
grep -q '^; pipeline: function(sroa,' "$tmp/ll" || fail "--emit=llvm does not name xgc's pipeline"
grep -q 'default<O3>' "$tmp/ll" && fail "--emit=llvm names default<O3>"
XGC_LLVM_PASSES='default<O3>' "$XGC" "$lib" --emit=llvm "$src" >"$tmp/ll3" ||
  fail "XGC_LLVM_PASSES=default<O3> --emit=llvm"
grep -q '^; pipeline: default<O3>$' "$tmp/ll3" || fail "XGC_LLVM_PASSES is not the pipeline run"

# the same outputs under both pipelines (random weights and inputs, seed 1)
for p in xgc O3; do
  if [ $p = O3 ]; then export XGC_LLVM_PASSES='default<O3>'; else unset XGC_LLVM_PASSES; fi
  "$XGC" run "$lib" "$src" --random-weights 1 --random-inputs 1 -o "$tmp/$p.npy" ||
    fail "xgc run with the $p pipeline"
done
unset XGC_LLVM_PASSES
"$NPYCMP" --rtol 1e-5 --atol 1e-5 "$tmp/xgc.npy" "$tmp/O3.npy" ||
  fail "outputs differ between xgc's pipeline and default<O3>"

XGC_LLVM_PASSES='no-such-pass' "$XGC" build "$lib" "$src" -o "$tmp/x.so" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || fail "a bad XGC_LLVM_PASSES exits $rc, not 1"
grep -q "XGC_LLVM_PASSES ('no-such-pass')" "$tmp/err" ||
  fail "the error does not name it: $(cat "$tmp/err")"
echo "ok: xgc's pipeline named by --emit=llvm, XGC_LLVM_PASSES replaces it (same outputs), a bad one is an error"
