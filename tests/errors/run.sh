#!/bin/sh
# run.sh -- pinned diagnostics: `xgc check` on each tests/errors/NAME.xg must
# exit 1 and print exactly tests/errors/NAME.err on stderr (nothing on stdout).
#
# usage: tests/errors/run.sh [--update] [NAME...]
#   NAME      run only these tests (NAME, NAME.xg or tests/errors/NAME.xg)
#   --update  rewrite the .err files from what xgc prints now; read the diff!
# Environment (set by the Makefile's TESTS_ENVIRONMENT; defaults for a run by
# hand: ./xgc and this script's tree): XGC, SRCDIR.  The shared loop is
# tests/golden/golden.sh.
# A test whose .xg has a line "# expect-exit: N" must exit N instead of 1
# (for warnings, which do not fail a check).
# Files under lib/ are helper modules (found with -I tests/errors/lib).

golden_takes_names=1
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden/golden.sh"
# Diagnostics name files relative to SRCDIR (golden_init cds there), so the
# .err files hold paths like tests/errors/NAME.xg wherever the tree is built.
golden_init "$@"
[ "$golden_update" = 1 ] && shift
[ $# -eq 0 ] && set -- tests/errors/*.xg

for arg in "$@"; do
  name=$(basename "$arg" .xg)
  src=tests/errors/$name.xg
  exp=tests/errors/$name.err
  if [ ! -f "$src" ]; then
    echo "FAIL: $name: no such test ($src)"
    golden_count 0
    continue
  fi
  want=$(sed -n 's/^# expect-exit: *\([0-9][0-9]*\).*/\1/p' "$src" | head -n 1)
  want=${want:-1}
  "$XGC" check --stdlib-dir=stdlib -I tests/errors/lib "$src" \
    >"$golden_tmp/out" 2>"$golden_tmp/err"
  rc=$?
  ok=1
  if [ $rc -ne "$want" ]; then
    if [ "$golden_update" = 1 ]; then
      echo "WARNING: $name: exit status $rc, expected $want"
    else
      echo "FAIL: $name: exit status $rc, expected $want"
      ok=0
    fi
  fi
  if [ -s "$golden_tmp/out" ] && [ "$golden_update" = 0 ]; then
    echo "FAIL: $name: unexpected output on stdout:"
    sed 's/^/  | /' "$golden_tmp/out"
    ok=0
  fi
  golden_compare "$exp" "$golden_tmp/err" "$name" || ok=0
  golden_count $ok
done
golden_finish errors
