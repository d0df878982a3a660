#!/bin/sh
# run.sh -- golden dumps of the graph IR: for every tests/golden/ir/NAME.xg,
# stdlib/nn.xg and examples/NAME.xg, `xgc --verify-each --emit=ir` and
# `--emit=classes` must print exactly the .ir and .classes files beside the
# source (tests/golden/ir/NAME.*, tests/golden/ir/stdlib/nn.*,
# tests/golden/ir/examples/NAME.*).  A source may add flags to both runs
# with a line `# xgc-flags: ...`.  `run.sh --update` rewrites the goldens.
#
# XGC and SRCDIR come from Makefile.am's TESTS_ENVIRONMENT, as for
# tests/golden/run.sh; files run from $SRCDIR with relative paths.

update=0
case "$1" in
  --update) update=1 ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$here/../../.." && pwd)}
XGC=${XGC:-$PWD/xgc}
case "$XGC" in /*) ;; *) XGC=$PWD/$XGC ;; esac
if [ ! -x "$XGC" ]; then
  echo "run.sh: error: no xgc binary at '$XGC' (set XGC)" >&2
  exit 1
fi
cd "$SRCDIR" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-golden-ir.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0 count=0

# golden SRC WANT_BASE: both dumps of SRC against WANT_BASE.ir/.classes
golden() {
  src=$1 base=$2
  flags=$(sed -n 's/^# xgc-flags: //p' "$src" | head -n 1)
  for kind in ir classes; do
    count=$((count + 1))
    want=$base.$kind
    got=$tmp/out.$kind
    # shellcheck disable=SC2086 # flags are words
    if ! "$XGC" --verify-each --emit=$kind $flags --stdlib-dir="$SRCDIR/stdlib" "$src" \
         >"$got" 2>"$tmp/err"; then
      echo "FAIL: $src: xgc --emit=$kind failed:"
      cat "$tmp/err"
      fail=$((fail + 1))
      continue
    fi
    if [ -s "$tmp/err" ]; then
      echo "FAIL: $src: xgc --emit=$kind printed diagnostics:"
      cat "$tmp/err"
      fail=$((fail + 1))
      continue
    fi
    if [ $update = 1 ]; then
      mkdir -p "$(dirname "$want")"
      cp "$got" "$want"
      echo "updated: $want"
    elif [ ! -f "$want" ]; then
      echo "FAIL: $src: no golden file $want (run tests/golden/ir/run.sh --update)"
      fail=$((fail + 1))
      continue
    elif ! diff -u "$want" "$got"; then
      echo "FAIL: $src: --emit=$kind differs from $want (diff above)"
      fail=$((fail + 1))
      continue
    fi
    pass=$((pass + 1))
  done
}

for src in tests/golden/ir/*.xg; do
  [ -e "$src" ] || continue
  golden "$src" "${src%.xg}"
done
golden stdlib/nn.xg tests/golden/ir/stdlib/nn
for src in examples/*.xg; do
  [ -e "$src" ] || continue
  golden "$src" "tests/golden/ir/examples/$(basename "${src%.xg}")"
done

# A golden without its source is a mistake too.
for want in tests/golden/ir/*.ir tests/golden/ir/*.classes; do
  [ -e "$want" ] || continue
  if [ ! -f "${want%.*}.xg" ]; then
    echo "FAIL: $want has no source ${want%.*}.xg"
    fail=$((fail + 1))
  fi
done
for want in tests/golden/ir/examples/*.ir tests/golden/ir/examples/*.classes; do
  [ -e "$want" ] || continue
  b=$(basename "${want%.*}")
  if [ ! -f "examples/$b.xg" ]; then
    echo "FAIL: $want has no source examples/$b.xg"
    fail=$((fail + 1))
  fi
done

# The pass options: an unknown pass is a usage error that lists the passes.
count=$((count + 1))
"$XGC" --emit=ir --dump-after=nosuch stdlib/nn.xg >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "unknown pass 'nosuch' for --dump-after (the passes: build, classify, fuse)" "$tmp/err"; then
  echo "FAIL: --dump-after=nosuch exited $rc with:"
  cat "$tmp/err"
  fail=$((fail + 1))
else
  pass=$((pass + 1))
fi

if [ $count -lt 2 ]; then
  echo "FAIL: no golden IR tests found under $SRCDIR"
  exit 1
fi
echo "golden IR: $pass passed, $fail failed"
[ $fail = 0 ]
