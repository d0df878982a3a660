#!/bin/sh
echo "tests/errors/run.sh: not written yet" >&2
exit 1
