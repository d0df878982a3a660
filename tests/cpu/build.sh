#!/bin/sh
# build.sh -- `xgc build` makes a library and a header that an application
# uses through xg.h: tests/cpu/app.c includes the generated mlp.h, links the
# build tree's libxgrt, runs examples/mlp.xg with its test weights, and its
# output must match `xgc run --ref` on the same input (tolerance as run.sh).
# Also: a library built for another CPU (--cpu=x86-64) runs here, a model
# run twice on one load (weights packed on the first run) gives what a
# fresh load gives, and linking failures are reported.
# Environment: XGC, SRCDIR, BUILDDIR, CC, SAN_CFLAGS (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
CC=${CC:-cc}
NPYCMP=${NPYCMP:-$BUILDDIR/tests/numeric/npycmp}
rt=$BUILDDIR/.libs/libxgrt.a
[ -f "$rt" ] || { echo "build.sh: no $rt" >&2; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-build.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
w=$SRCDIR/tests/numeric/data/examples/mlp.safetensors

for cpu in native x86-64; do
  "$XGC" build --stdlib-dir="$SRCDIR/stdlib" --cpu=$cpu "$SRCDIR/examples/mlp.xg" -o "$tmp/mlp.so" ||
    fail "xgc build --cpu=$cpu"
  [ -f "$tmp/mlp.h" ] || fail "no mlp.h next to mlp.so"
  # shellcheck disable=SC2086 # SAN_CFLAGS are several flags
  $CC $SAN_CFLAGS -std=c11 -Wall -Werror -I"$tmp" -I"$SRCDIR/runtime" -o "$tmp/app" "$SRCDIR/tests/cpu/app.c" \
    "$rt" -lcjson -lOpenCL -lpthread -ldl -lm -Wl,-u,xg_parallel_for \
    -Wl,--dynamic-list="$SRCDIR/runtime/xg_abi.syms" || fail "cannot build app.c against mlp.h"
  "$tmp/app" "$tmp/mlp.so" "$w" "$tmp/x.npy" "$tmp/y.npy" || fail "app ($cpu)"
  "$XGC" run --ref --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR/examples/mlp.xg" --weights "$w" \
    --input "$tmp/x.npy" -o "$tmp/want.npy" || fail "xgc run --ref"
  "$NPYCMP" --rtol 1e-5 --atol-max 2e-5 "$tmp/want.npy" "$tmp/y.npy" || fail "app's output ($cpu)"
done

# weights packed on the first run of a loaded model serve the later runs
"$XGC" build --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR/examples/resblock.xg" -o "$tmp/resblock.so" ||
  fail "xgc build resblock"
"$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=loops "$SRCDIR/examples/resblock.xg" >"$tmp/loops" ||
  fail "--emit=loops resblock"
grep -q "(pack w1) once" "$tmp/loops" || fail "resblock's weights are not packed once"
# shellcheck disable=SC2086
$CC $SAN_CFLAGS -std=c11 -Wall -Werror -I"$SRCDIR" -o "$tmp/twice" "$SRCDIR/tests/cpu/twice.c" \
  "$rt" -lcjson -lOpenCL -lpthread -ldl -lm -Wl,-u,xg_parallel_for \
  -Wl,--dynamic-list="$SRCDIR/runtime/xg_abi.syms" || fail "cannot build twice.c"
"$tmp/twice" "$tmp/resblock.so" "$tmp/w.safetensors" || fail "twice"

# a failing link: the message names the command and shows its output
out=$(XG_CC=false "$XGC" build --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR/examples/mlp.xg" -o "$tmp/m2.so" 2>&1) &&
  fail "xgc build succeeded with XG_CC=false"
case $out in
  *"linking $tmp/m2.so failed: 'false -shared -o $tmp/m2.so $tmp/m2.so.o -lm' exited with status 1"*) ;;
  *) fail "unexpected message for a failing link: $out" ;;
esac
[ ! -e "$tmp/m2.so.o" ] || fail "the object file was left behind"
out=$("$XGC" build "$SRCDIR/examples/mlp.xg" -o "$tmp/m3.dll" 2>&1) && fail "-o without .so accepted"
echo "ok: xgc build, mlp.h, an application on 1 and 2 threads, --cpu=x86-64, weights packed once, link failures"
