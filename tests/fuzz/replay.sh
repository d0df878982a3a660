#!/bin/sh
echo "tests/fuzz/replay.sh: not written yet" >&2
exit 1
