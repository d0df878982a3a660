#!/bin/sh
# run.sh -- golden loop IR: for every tests/golden/loops/NAME.xg,
# `xgc --verify-each --emit=loops --cpu=x86-64-v3` (a fixed target, so the
# schedules do not depend on the host) must print exactly NAME.loops
# (stdout and stderr together).  `run.sh --update` rewrites the goldens;
# read the diff.  XGC and SRCDIR come from the environment (Makefile.am's
# TESTS_ENVIRONMENT); the shared loop is tests/golden/golden.sh.
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden.sh"
golden_init "$@"

for src in tests/golden/loops/*.xg; do
  [ -e "$src" ] || continue
  golden_xgc merged "$src" "${src%.xg}.loops" \
    --stdlib-dir=stdlib --verify-each --emit=loops --cpu=x86-64-v3 "$src"
done
golden_orphans tests/golden/loops loops
golden_finish "golden loops"
