#!/bin/sh
echo "tests/golden/run.sh: not written yet" >&2
exit 1
