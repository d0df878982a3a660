#!/bin/sh
# xgc-exports.sh -- xgc loads model libraries in-process, and they leave
# xg_parallel_for to the process: xgc must export it (and, by its dynamic
# list, nothing else of its own).
XGC=${XGC:-./xgc}
[ -x "$XGC" ] || { echo "xgc-exports.sh: no xgc at '$XGC' (set XGC)" >&2; exit 99; }
command -v nm >/dev/null || { echo "xgc-exports.sh: nm not found (binutils)" >&2; exit 99; }
syms=$(nm -D --defined-only "$XGC" | awk '$2 ~ /^[TDB]$/ && $3 ~ /^(xg_|rt_|ir_|ast_|sema_|front_)/ { print $3 }')
if [ "$syms" != "xg_parallel_for" ]; then
  echo "FAIL: xgc exports [$syms], want exactly [xg_parallel_for]"
  exit 1
fi
echo "ok: xgc exports xg_parallel_for"
