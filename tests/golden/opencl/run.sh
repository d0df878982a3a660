#!/bin/sh
# run.sh -- golden OpenCL kernels: for every tests/golden/opencl/NAME.xg,
# `xgc --verify-each --emit=opencl --target=opencl` (with the options of
# its "# xgc-flags:" line, if any) must print exactly NAME.cl (stdout and
# stderr together).  `run.sh --update` rewrites the goldens; read the diff.
# XGC and SRCDIR come from the environment (Makefile.am's
# TESTS_ENVIRONMENT); the shared loop is tests/golden/golden.sh.
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden.sh"
golden_init "$@"

for src in tests/golden/opencl/*.xg; do
  [ -e "$src" ] || continue
  flags=$(golden_flags "$src")
  # shellcheck disable=SC2086 # the flags are split on purpose
  golden_xgc merged "$src" "${src%.xg}.cl" \
    --stdlib-dir=stdlib --verify-each --emit=opencl --target=opencl $flags "$src"
done
golden_orphans tests/golden/opencl cl
golden_finish "golden opencl"
