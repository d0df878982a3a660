#!/bin/sh
# run.sh -- pinned diagnostics: `xgc check` on each tests/errors/NAME.xg must
# exit 1 and print exactly tests/errors/NAME.err on stderr (nothing on stdout).
#
# usage: tests/errors/run.sh [--update] [NAME...]
#   NAME      run only these tests (NAME, NAME.xg or tests/errors/NAME.xg)
#   --update  rewrite the .err files from what xgc prints now; read the diff!
# Environment (set by the Makefile's TESTS_ENVIRONMENT; defaults for a run by
# hand from the top of the tree): XGC=./xgc  SRCDIR=.
# A test whose .xg has a line "# expect-exit: N" must exit N instead of 1
# (for warnings, which do not fail a check).
# Files under lib/ are helper modules (found with -I tests/errors/lib).

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
update=0
if [ "$1" = --update ]; then update=1; shift; fi

case $XGC in
  /*) ;;
  *) XGC=$(pwd)/$XGC ;;
esac
if [ ! -x "$XGC" ]; then
  echo "run.sh: no xgc at '$XGC' (set XGC)" >&2
  exit 99
fi
# Diagnostics name files relative to SRCDIR, so the .err files hold paths
# like tests/errors/NAME.xg wherever the tree is built.
cd "$SRCDIR" || exit 99

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-errors.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ $# -eq 0 ]; then
  set -- tests/errors/*.xg
fi

pass=0 fail=0 updated=0
for arg in "$@"; do
  name=$(basename "$arg" .xg)
  src=tests/errors/$name.xg
  exp=tests/errors/$name.err
  if [ ! -f "$src" ]; then
    echo "FAIL $name: no such test ($src)"
    fail=$((fail + 1))
    continue
  fi
  want=$(sed -n 's/^# expect-exit: *\([0-9][0-9]*\).*/\1/p' "$src" | head -n 1)
  want=${want:-1}
  "$XGC" check --stdlib-dir=stdlib -I tests/errors/lib "$src" \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $update -eq 1 ]; then
    if ! cmp -s "$tmp/err" "$exp" 2>/dev/null; then
      cp "$tmp/err" "$exp"
      echo "updated $exp"
      updated=$((updated + 1))
    fi
    [ $rc -eq "$want" ] || echo "WARNING $name: exit status $rc, expected $want"
    continue
  fi
  ok=1
  if [ $rc -ne "$want" ]; then
    echo "FAIL $name: exit status $rc, expected $want"
    ok=0
  fi
  if [ -s "$tmp/out" ]; then
    echo "FAIL $name: unexpected output on stdout:"
    sed 's/^/  | /' "$tmp/out"
    ok=0
  fi
  if [ ! -f "$exp" ]; then
    echo "FAIL $name: no expected diagnostics $exp (run.sh --update $name, then read it)"
    ok=0
  elif ! cmp -s "$exp" "$tmp/err"; then
    echo "FAIL $name: diagnostics differ (- expected $exp, + actual):"
    diff -u "$exp" "$tmp/err" | sed '1,2d'
    ok=0
  fi
  if [ $ok -eq 1 ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done

if [ $update -eq 1 ]; then
  echo "run.sh: $updated file(s) updated"
  exit 0
fi
echo "run.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
