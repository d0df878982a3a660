#!/bin/sh
# run.sh -- golden dumps of the graph IR: for every tests/golden/ir/NAME.xg,
# stdlib/nn.xg and examples/NAME.xg, `xgc --verify-each --emit=ir` and
# `--emit=classes` must print exactly the .ir and .classes files beside the
# source (tests/golden/ir/NAME.*, tests/golden/ir/stdlib/nn.*,
# tests/golden/ir/examples/NAME.*), and nothing on stderr.  A source may
# add flags to both runs with a line `# xgc-flags: ...`.  `run.sh --update`
# rewrites the goldens.
#
# XGC and SRCDIR come from Makefile.am's TESTS_ENVIRONMENT, as for
# tests/golden/run.sh (the shared loop: tests/golden/golden.sh); files run
# from $SRCDIR with relative paths.
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden.sh"
golden_init "$@"

# golden SRC WANT_BASE: both dumps of SRC against WANT_BASE.ir/.classes
golden() {
  flags=$(golden_flags "$1")
  for kind in ir classes; do
    # shellcheck disable=SC2086 # flags are words
    golden_xgc clean "$1" "$2.$kind" \
      --verify-each --emit=$kind $flags --stdlib-dir="$SRCDIR/stdlib" "$1"
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
for kind in ir classes; do
  golden_orphans tests/golden/ir $kind
  golden_orphans tests/golden/ir/examples $kind examples
done

# The pass options: an unknown pass is a usage error that lists the passes.
"$XGC" --emit=ir --dump-after=nosuch stdlib/nn.xg >/dev/null 2>"$golden_tmp/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "unknown pass 'nosuch' for --dump-after (the passes: build, classify, fuse)" "$golden_tmp/err"; then
  echo "FAIL: --dump-after=nosuch exited $rc with:"
  cat "$golden_tmp/err"
  golden_count 0
else
  golden_count 1
fi
golden_finish "golden IR"
