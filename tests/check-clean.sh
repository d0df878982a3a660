#!/bin/sh
echo "tests/check-clean.sh: not written yet" >&2
exit 1
