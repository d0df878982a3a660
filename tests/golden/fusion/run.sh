#!/bin/sh
# run.sh -- golden fusion plans and their loop IR: for every
# tests/golden/fusion/NAME.xg, `xgc --verify-each --emit=fusion` must print
# exactly NAME.fusion and `xgc --verify-each --emit=loops --cpu=x86-64-v3`
# (a fixed target) exactly NAME.loops (stdout and stderr together).
# (tests/cpu/run.sh runs the same models against the reference
# interpreter.)  `run.sh --update` rewrites the goldens; read the diff.
# XGC and SRCDIR come from the environment (Makefile.am's
# TESTS_ENVIRONMENT); the shared loop is tests/golden/golden.sh.
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden.sh"
golden_init "$@"

for src in tests/golden/fusion/*.xg; do
  [ -e "$src" ] || continue
  for kind in fusion loops; do
    golden_xgc merged "$src ($kind)" "${src%.xg}.$kind" \
      --stdlib-dir=stdlib --verify-each --emit=$kind --cpu=x86-64-v3 "$src"
  done
done
golden_orphans tests/golden/fusion fusion
golden_orphans tests/golden/fusion loops
golden_finish "golden fusion"
