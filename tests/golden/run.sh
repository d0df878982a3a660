#!/bin/sh
# run.sh -- golden AST dumps: for each tests/golden/NAME.xg, `xgc --emit=ast`
# must print exactly tests/golden/NAME.ast (and nothing on stderr).
# `run.sh --update` rewrites them; read the diff.
#
# XGC (the binary) and SRCDIR (the source tree) come from Makefile.am's
# TESTS_ENVIRONMENT; run by hand, they default to ./xgc and this script's
# tree (tests/golden/golden.sh, the loop all golden scripts share).  Files
# run from $SRCDIR with relative paths, so the dumps do not depend on where
# the tree lives; imports resolve in tests/golden/lib.
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/golden.sh"
golden_init "$@"

for src in tests/golden/*.xg; do
  [ -e "$src" ] || continue
  golden_xgc clean "$src" "${src%.xg}.ast" \
    --emit=ast --stdlib-dir="$SRCDIR/stdlib" -I tests/golden/lib "$src"
done
golden_orphans tests/golden ast
golden_finish golden
