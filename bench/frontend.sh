#!/bin/sh
echo "bench/frontend.sh: not written yet" >&2
exit 1
