#!/bin/sh
# stream.sh -- non-temporal stores (docs/cpu.md, "Code generation"): a
# library built for x86-64-v3 (8 MiB L3 assumed) stores its 12 MiB output
# with !nontemporal stores where the output is 64-byte aligned, plain ones
# elsewhere; tests/cpu/stream/stream.c checks every element for every
# alignment of the output, on 1 and 2 threads.
# Environment: XGC, SRCDIR, BUILDDIR, CC, SAN_CFLAGS (from make check).
XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
CC=${CC:-cc}
rt=$BUILDDIR/.libs/libxgrt.a
[ -f "$rt" ] || { echo "stream.sh: no $rt" >&2; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-stream.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
src=$SRCDIR/tests/cpu/stream/stream.xg

"$XGC" --stdlib-dir="$SRCDIR/stdlib" --emit=llvm --cpu=x86-64-v3 "$src" >"$tmp/ll" ||
  fail "--emit=llvm"
grep -q '!nontemporal' "$tmp/ll" || fail "no non-temporal store in the module"
grep -q 'llvm.x86.sse.sfence' "$tmp/ll" || fail "no sfence after the non-temporal stores"
"$XGC" build --stdlib-dir="$SRCDIR/stdlib" --cpu=x86-64-v3 "$src" -o "$tmp/stream.so" ||
  fail "xgc build"
# shellcheck disable=SC2086 # SAN_CFLAGS are several flags
$CC $SAN_CFLAGS -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Werror -I"$SRCDIR/runtime" \
  -o "$tmp/stream" "$SRCDIR/tests/cpu/stream/stream.c" "$rt" -lcjson -lOpenCL -lpthread -ldl -lm \
  -Wl,-u,xg_parallel_for -Wl,--dynamic-list="$SRCDIR/runtime/xg_abi.syms" ||
  fail "cannot build stream.c"
"$tmp/stream" "$tmp/stream.so" || fail "stream"
echo "ok: non-temporal stores where aligned, plain ones elsewhere, every alignment, 1 and 2 threads"
