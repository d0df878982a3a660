#!/bin/sh
# check-clean.sh -- the stdlib and every example must pass `xgc check` with
# no diagnostic at all: no error, and no warning either.
# Environment: XGC (default ./xgc), SRCDIR (default .), as in tests/errors/run.sh.

XGC=${XGC:-./xgc}
SRCDIR=${SRCDIR:-.}
if [ ! -x "$XGC" ]; then
  echo "check-clean.sh: no xgc at '$XGC' (set XGC)" >&2
  exit 99
fi

tmp=$(mktemp "${TMPDIR:-/tmp}/xg-clean.XXXXXX") || exit 99
trap 'rm -f "$tmp"' EXIT INT TERM

"$XGC" check --stdlib-dir="$SRCDIR/stdlib" "$SRCDIR"/stdlib/*.xg "$SRCDIR"/examples/*.xg \
  >/dev/null 2>"$tmp"
rc=$?
if [ $rc -ne 0 ] || [ -s "$tmp" ]; then
  echo "FAIL: xgc check of stdlib/ and examples/ exited $rc with diagnostics:"
  cat "$tmp"
  exit 1
fi
echo "check-clean.sh: stdlib and examples are clean"
