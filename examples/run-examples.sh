#!/bin/sh
# run-examples.sh -- compiles the example MLP and CNN for this CPU and runs
# them on deterministic data: `xgc weights` writes their params (seed 1)
# and `xgc inputs` their inputs (seed 2), the same pseudo-random values on
# every machine (docs/random.md); `xgc run --checksum` prints each output's
# checksum (sum, sum of magnitudes, FNV-1a of the bytes; docs/cpu.md) and
# `xgc bench` the latency (median after warm-up).  tests/cpu/examples.sh
# checks the outputs against the reference interpreter.
#   examples/run-examples.sh            (from the source tree, after the build)
# Environment: XGC (the compiler; default build/xgc of this tree, else xgc
# on the PATH), OUT (the directory for the files; default a new temporary
# one, removed at the end), THREADS (xgc run and bench; default all CPUs),
# BENCH=0 (no timing).
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ -z "${XGC:-}" ]; then
  XGC=$top/build/xgc
  [ -x "$XGC" ] || XGC=$(command -v xgc) || { echo "run-examples.sh: no xgc (set XGC)" >&2; exit 1; }
fi
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT" || exit 1
else
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/xgc-examples.XXXXXX") || exit 1
  trap 'rm -rf "$OUT"' EXIT INT TERM
fi
threads=${THREADS:+--threads $THREADS}

for ex in mlp cnn; do
  src=$top/examples/$ex.xg
  echo "== $ex ($src)"
  "$XGC" weights "$src" --seed 1 -o "$OUT/$ex.safetensors" >/dev/null || exit 1
  "$XGC" inputs "$src" --seed 2 -o "$OUT/$ex" >/dev/null || exit 1
  set --
  for x in "$OUT/$ex"/*.npy; do
    n=$(basename "$x" .npy)
    set -- "$@" --input "$n=$x"
  done
  # shellcheck disable=SC2086 # $threads is empty or two words
  "$XGC" run "$src" $threads --weights "$OUT/$ex.safetensors" "$@" \
    -o "logits=$OUT/$ex.logits.npy" --checksum || exit 1
  if [ "${BENCH:-1}" != 0 ]; then
    # shellcheck disable=SC2086
    "$XGC" bench "$src" $threads | sed -n 's/^  latency: /latency: /p' || exit 1
  fi
done
