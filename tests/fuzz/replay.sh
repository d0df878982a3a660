#!/bin/sh
# replay.sh -- replays the fuzz corpus, and every .xg file of the tree, through
# the front end (a crash, leak or sanitizer report fails the test).
SRCDIR=${SRCDIR:-.}
exec ./tests/fuzz/replay "$SRCDIR/tests/fuzz/corpus" "$SRCDIR/tests/errors" \
  "$SRCDIR/tests/golden" "$SRCDIR/stdlib" "$SRCDIR/examples"
