#!/bin/sh
# examples.sh -- the README's first command: examples/run-examples.sh
# compiles the MLP and the CNN, runs them on the params and inputs that
# `xgc weights` / `xgc inputs` make (seeds 1 and 2) and prints checksums.
# Here (BENCH=0, no timing): the checksums of the reference interpreter on
# the same files are pinned below (they pin the generated data too, and
# hold on every machine: double precision, no transcendental functions),
# and the compiled outputs must match the reference's within the tolerance
# of tests/cpu/run.sh (outputs are compared, not hashes: the compiled
# code's last bits depend on the CPU).
# Environment: XGC, SRCDIR, BUILDDIR (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
NPYCMP=${NPYCMP:-$BUILDDIR/tests/numeric/npycmp}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-examples.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

XGC=$XGC OUT=$tmp/out BENCH=0 "$SRCDIR/examples/run-examples.sh" >"$tmp/log" 2>&1 ||
  { cat "$tmp/log"; fail "examples/run-examples.sh"; }
[ "$(grep -c '^logits: f32\[1, 10\] sum=' "$tmp/log")" = 2 ] ||
  { cat "$tmp/log"; fail "run-examples.sh printed no checksum for each example"; }

pinned() {
  case $1 in
    mlp) echo "logits: f32[1, 10] sum=11.9699425 abs=29.1914324 fnv1a64=ea11a9feebd6880b" ;;
    cnn) echo "logits: f32[1, 10] sum=10.9274625 abs=10.9274625 fnv1a64=de7c3c08469577f7" ;;
  esac
}
for ex in mlp cnn; do
  "$XGC" run --ref --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR/examples/$ex.xg" \
    --weights "$tmp/out/$ex.safetensors" --input "x=$tmp/out/$ex/x.npy" \
    -o "logits=$tmp/$ex.ref.npy" --checksum >"$tmp/ref" || fail "xgc run --ref $ex"
  [ "$(cat "$tmp/ref")" = "$(pinned $ex)" ] ||
    fail "$ex: the reference's checksum is '$(cat "$tmp/ref")', pinned '$(pinned $ex)'"
  "$NPYCMP" --rtol 1e-5 --atol-max 2e-5 "$tmp/$ex.ref.npy" "$tmp/out/$ex.logits.npy" ||
    fail "$ex: the compiled output differs from the reference's"
done
echo "ok: run-examples.sh, pinned reference checksums, compiled outputs within tolerance"
