#!/bin/sh
# cli.sh -- pinned behaviour of `xgc run`: for each tests/numeric/cli/NAME.cmd
# (line 1: the exit status, line 2: the arguments of xgc, relative to the
# source tree), xgc must exit with that status and print exactly NAME.out on
# stdout and NAME.err on stderr.
#
# usage: tests/numeric/cli.sh [--update] [NAME...]
#   --update  rewrite the .out and .err files from what xgc prints now; read the diff!
# Environment: XGC and SRCDIR, as tests/errors/run.sh; the shared loop is
# tests/golden/golden.sh (golden_init cds to SRCDIR: messages name files
# relative to the source tree).

golden_takes_names=1
# shellcheck source=tests/golden/golden.sh
. "$(dirname "$0")/../golden/golden.sh"
golden_init "$@"
[ "$golden_update" = 1 ] && shift
[ $# -eq 0 ] && set -- tests/numeric/cli/*.cmd
list="$*" # the loop below reuses $@ for each command's arguments

for arg in $list; do
  name=$(basename "$arg" .cmd)
  base=tests/numeric/cli/$name
  if [ ! -f "$base.cmd" ]; then
    echo "FAIL: $name: no such test ($base.cmd)"
    golden_count 0
    continue
  fi
  want=$(sed -n 1p "$base.cmd")
  args=$(sed -n 2p "$base.cmd")
  # shellcheck disable=SC2086 # the arguments are split on purpose
  set -- $args
  cmd=$1
  shift
  "$XGC" "$cmd" --stdlib-dir=stdlib "$@" >"$golden_tmp/out" 2>"$golden_tmp/err" </dev/null \
    && rc=0 || rc=$?
  ok=1
  if [ "$rc" != "$want" ]; then
    if [ "$golden_update" = 1 ]; then
      echo "WARNING: $name: exit status $rc, expected $want"
    else
      echo "FAIL: $name: exit status $rc, expected $want"
      ok=0
    fi
  fi
  golden_compare "$base.out" "$golden_tmp/out" "$name (stdout)" || ok=0
  golden_compare "$base.err" "$golden_tmp/err" "$name (stderr)" || ok=0
  golden_count $ok
done
golden_finish cli
