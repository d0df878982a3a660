#!/bin/sh
# examples.sh -- the example networks of examples/ on this machine, in one
# run: per example the compile time of `xgc build` (median of 3), `xgc
# bench` on 1 and N threads, and PyTorch eager and TorchScript frozen on the
# same network (examples/scripts/NAME.py's module), the same shapes and the
# same numbers (xgc's random fill, seed 1); one table (ms, xgc / PyTorch)
# and the whole run in bench/results/HOST-DATE-examples.json.  A benchmark,
# not a test (docs/benchmarks.md).
#   bench/examples.sh [NAME...]    (from the build directory; or `make bench-examples`)
# Environment: THREADS ("1,N", N the CPUs we may use), BUILD_REPS (builds
# behind the compile-time median, 3), XGC_RUNS (runs of `xgc bench` after
# its warm-up, 15), REPS and SECONDS_PER (PyTorch: the least runs and the
# time per median, 10 and 1), MODES (PyTorch's, "eager,jit"), CPU (--cpu of
# xgc, native), WAIT_IDLE (as in run.sh: 60), XGC (./xgc), PYTHON
# (/usr/bin/python3), OUT (the result file).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
PYTHON=${PYTHON:-/usr/bin/python3}
XGC=${XGC:-./xgc}
ncpu=$(nproc)
THREADS=${THREADS:-1,$ncpu}
BUILD_REPS=${BUILD_REPS:-3}
XGC_RUNS=${XGC_RUNS:-15}
REPS=${REPS:-10}
SECONDS_PER=${SECONDS_PER:-1}
MODES=${MODES:-eager,jit}
CPU=${CPU:-native}
WAIT_IDLE=${WAIT_IDLE:-60}
. "$here/lib.sh"
OUT=${OUT:-$(result_file "$src/bench/results" -examples)}

[ -x "$PYTHON" ] || die "$PYTHON not found: install the Debian package 'python3'"
[ -x "$XGC" ] || die "$XGC not found: run from the build directory after make (or set XGC)"
if [ $# -gt 0 ]; then EXAMPLES=$*
else # every network of examples/ (stdlib_shapes is not one)
  EXAMPLES=$(for f in "$src"/examples/*.xg; do basename "$f" .xg; done | grep -v '^stdlib_shapes$')
fi
for e in $EXAMPLES; do [ -e "$src/examples/$e.xg" ] || die "no example '$e' (examples/$e.xg)"; done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-examples.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ meta
host=$(hostname -s 2>/dev/null || hostname)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
xgc_version=$("$XGC" --version 2>/dev/null | head -n 1 | tr -d '"\\')
cat > "$tmp/meta.json" <<EOF
{"kind": "examples", "host": "$host", "date": "$(date +%Y-%m-%d)", "started": "$(now)",
 "cpu": "$cpu", "cpus": $ncpu, "kernel": "$(uname -r)", "commit": "$commit",
 "xgc": "$xgc_version", "xgc_cpu": "$CPU", "threads": [$THREADS],
 "examples": $(words_json $EXAMPLES), "build_reps": $BUILD_REPS, "xgc_runs": $XGC_RUNS,
 "reps": $REPS, "seconds_per_median": $SECONDS_PER, "loadavg_start": "$(loadavg)",
EOF
warn_load

have_torch=0
if "$PYTHON" -c 'import torch, torchvision' 2>/dev/null; then have_torch=1
else say "PyTorch skipped: install the Debian packages 'python3-torch', 'python3-torchvision'" \
         "and 'libopenblas0-openmp'"
fi

# ------------------------------------------------------------------ per example
xgc_one() { # NAME THREADS: one line of xgc.jsonl
  if "$XGC" bench "$src/examples/$1.xg" --cpu="$CPU" --threads "$2" --runs "$XGC_RUNS" --json \
       > "$tmp/xgc.out" 2> "$tmp/xgc.err" && res=$(compact < "$tmp/xgc.out" 2> /dev/null); then
    printf '{"example": "%s", "threads": %s, "result": %s}\n' "$1" "$2" "$res"
  else
    err=$(head -n 3 "$tmp/xgc.err" | tr '\n"\\' '   ')
    say "$1: xgc bench failed: $err"
    printf '{"example": "%s", "threads": %s, "error": "%s"}\n' "$1" "$2" "$err"
  fi
}
for e in $EXAMPLES; do
  say "$e: xgc build x$BUILD_REPS (compile time)"
  idle_gate
  if ! "$PYTHON" "$here/buildtime.py" --reps "$BUILD_REPS" "$XGC" "$src/examples/$e.xg" \
       --cpu="$CPU" >> "$tmp/compile.jsonl" 2> "$tmp/build.err"; then
    err=$(head -n 3 "$tmp/build.err" | tr '\n"\\' '   ')
    say "$e: xgc build failed: $err"
    printf '{"example": "%s", "error": "%s"}\n' "$e" "$err" >> "$tmp/compile.jsonl"
  fi
  for t in $(echo "$THREADS" | tr ',' ' '); do
    say "$e: xgc bench, $t thr"
    idle_gate
    xgc_one "$e" "$t" >> "$tmp/xgc.jsonl"
  done
  if [ $have_torch = 1 ] && [ -e "$src/examples/scripts/$e.py" ]; then
    say "$e: PyTorch $MODES"
    idle_gate
    "$PYTHON" "$here/torch_examples.py" --threads "$THREADS" --modes "$MODES" --reps "$REPS" \
      --seconds "$SECONDS_PER" --json "$e" 2> "$tmp/torch.err" | compact >> "$tmp/torch.jsonl" ||
      say "$e: PyTorch failed: $(grep -v -i warn "$tmp/torch.err" | tail -n 2)"
  fi
done

printf ' "loadavg_end": "%s", "finished": "%s", "waited_for_idle_s": %d}\n' "$(loadavg)" "$(now)" \
  "$waited" >> "$tmp/meta.json"
"$PYTHON" "$here/report_examples.py" "$tmp" "$OUT"
