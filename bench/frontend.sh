#!/bin/sh
# frontend.sh -- front-end speed: `xgc check` (lex, parse, check) on a
# generated 10 MB .xg file; prints the median of 5 runs in MB/s.
# Run from the build directory: make bench-frontend
set -e
XGC=${XGC:-./xgc}
MB=${MB:-10}
f=${TMPDIR:-/tmp}/xgc-bench-$$.xg
trap 'rm -f "$f"' EXIT
./bench/genxg "$MB" > "$f"
bytes=$(wc -c < "$f")
"$XGC" check "$f"   # must be clean, and warms the page cache
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); "$XGC" check "$f"; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'
done | sort -n | sed -n 3p | awk -v b="$bytes" '{
  printf "front end: %.1f MB in %.3f s (median of 5 runs) = %.1f MB/s\n", b/1e6, $1, b/1e6/$1 }'
