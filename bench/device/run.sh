#!/bin/sh
# run.sh -- the device kit's one command (bench/device/make-kit.sh builds
# the kit; docs/benchmarks.md, "The device kit"): on the machine, make the
# weights from xgc's random fill, then per example network xgc (xgrun), ONNX
# Runtime and PyTorch eager, each output checked against the reference;
# then the machine's peak and the benchmark problems on xgc and PyTorch;
# on 1 and N threads.  Results and tables go to $OUT as they are made:
#   OUT/info.json, info.txt       the machine and the software
#   OUT/examples/*.jsonl          xgc.jsonl, ort.jsonl, torch.jsonl (raw results)
#   OUT/examples.txt, .json       the networks' table (report_examples.py)
#   OUT/problems/*.json*          peak, xgc.jsonl, torch.jsonl
#   OUT/problems.txt, .json       the problems' table, fractions of the peak (report.py)
#   sh KIT/run.sh         or    bench/device/run.sh KIT
# Environment: OUT (./kit-out), THREADS (1,N; N the CPUs), REPS (the least
# runs behind a median, 10), SECONDS_PER (time per median, 0.5), MODES
# (PyTorch's modes for the networks, eager; eager,jit adds TorchScript),
# STEPS (a comma list of: info weights xgc ort torch peak xgc-problems
# torch-problems; all by default), EXAMPLES and PROBLEMS (default: the
# kit's), DEADLINE (seconds after which the steps left are skipped, so that
# the report is still written within the device's 10 minutes: 480),
# PEAK_ARGS (more options of bin/peak), WORK (where the weights go, ~0.5
# GB; a temporary directory), PYTHON (python3).
set -u
KIT=${1:-$(dirname "$0")}
KIT=$(cd "$KIT" && pwd) || exit 2
[ -e "$KIT/MANIFEST.json" ] || { echo "run.sh: $KIT is not a kit (no MANIFEST.json)" >&2; exit 2; }
PYTHON=${PYTHON:-python3}
OUT=${OUT:-$PWD/kit-out}
ncpu=$(nproc)
THREADS=${THREADS:-1,$ncpu}
REPS=${REPS:-10}
SECONDS_PER=${SECONDS_PER:-0.5}
MODES=${MODES:-eager}
STEPS=${STEPS:-info,weights,xgc,ort,torch,peak,xgc-problems,torch-problems}
DEADLINE=${DEADLINE:-480}
PEAK_ARGS=${PEAK_ARGS:-}
WAIT_IDLE=0
. "$KIT/py/bench/lib.sh"
export LD_LIBRARY_PATH="$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
manifest() { # a member of MANIFEST.json; lists as words
  "$PYTHON" -c "import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(v if isinstance(v, str) else ' '.join(v))" "$KIT/MANIFEST.json" "$1"
}
EXAMPLES=${EXAMPLES:-$(manifest examples)}
PROBLEMS=${PROBLEMS:-$(manifest problems)}
mkdir -p "$OUT/examples" "$OUT/problems" || die "cannot write to $OUT"
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/xgc-kit-work.XXXXXX") || die "cannot make a work directory"
  trap 'rm -rf "$WORK"' EXIT
fi
start=$(date +%s) load_start=$(loadavg)
skipped=""
common="--threads $THREADS --reps $REPS --seconds $SECONDS_PER --json"
mname() { echo "$1" | tr ':' '_'; }   # a problem spec's model name

# ------------------------------------------------------------------ steps
step_info() {
  {
    uname -a; nproc; sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c
    grep -m 1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^avx' | tr '\n' ' '; echo
    command -v lscpu > /dev/null && lscpu
    free -g; cat /etc/os-release 2>/dev/null | head -n 2; ldd --version 2>&1 | head -n 1
    "$PYTHON" --version
    "$PYTHON" -c 'import torch; print("torch", torch.__version__, torch.__config__.show())' 2>&1
    "$PYTHON" -c 'import onnxruntime as o; print("onnxruntime", o.__version__,
                  o.get_available_providers())' 2>&1
    "$PYTHON" -c 'import torchvision; print("torchvision", torchvision.__version__)' 2>&1
    cat "$KIT/MANIFEST.json"
  } > "$OUT/info.txt" 2>&1
  cat > "$OUT/info.json" <<EOF
{"host": "$(hostname -s 2>/dev/null || hostname)", "started": "$(now)",
 "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)", "cpus": $ncpu,
 "kernel": "$(uname -r)", "threads": [$THREADS], "loadavg_start": "$(loadavg)"}
EOF
}

step_weights() { # every example's and problem's weights, and the inputs, into WORK
  for n in $EXAMPLES $(for s in $PROBLEMS; do mname "$s"; done); do
    fixed=$KIT/data/$n.fixed.safetensors
    [ -e "$fixed" ] || fixed=-
    "$KIT/bin/mkweights" 1 "$KIT/data/$n.params" "$fixed" "$WORK/$n.safetensors" ||
      say "$n: mkweights failed"
  done
  cp "$KIT"/data/*.in-*.npy "$WORK/" || say "cannot copy the inputs"
}

weights_opt() { # --weights FILE when the model has weights
  grep -qv '^#' "$KIT/data/$1.params" && echo "--weights $WORK/$1.safetensors"
}

step_xgc() {
  for e in $EXAMPLES; do
    set -- $(weights_opt "$e") --tol "$KIT/data/$e.tol"
    for f in "$KIT/data/$e".in-*.npy; do n=${f##*.in-}; set -- "$@" --input "${n%.npy}=$f"; done
    for f in "$KIT/data/$e".out-*.npy; do n=${f##*.out-}; set -- "$@" --expect "${n%.npy}=$f"; done
    say "$e: xgc (xgrun)"
    # shellcheck disable=SC2086 # common is words
    "$KIT/bin/xgrun" "$KIT/models/$e.so" "$@" $common >> "$OUT/examples/xgc.jsonl" ||
      say "$e: xgrun failed or an output is wrong (exit $?)"
  done
}

step_ort() {
  say "ONNX Runtime: $EXAMPLES"
  # shellcheck disable=SC2086
  "$PYTHON" "$KIT/py/bench/device/ort_bench.py" --onnx-dir "$KIT/onnx" --weights-dir "$WORK" \
    --check-dir "$KIT/data" --work "$WORK" $common $EXAMPLES 2> "$OUT/examples/ort.err" |
    compact >> "$OUT/examples/ort.jsonl" ||
    say "ONNX Runtime failed: $(tail -n 3 "$OUT/examples/ort.err")"
}

step_torch() {
  say "PyTorch $MODES: $EXAMPLES"
  # shellcheck disable=SC2086
  "$PYTHON" "$KIT/py/bench/torch_examples.py" --weights-dir "$WORK" --check-dir "$KIT/data" \
    --modes "$MODES" $common $EXAMPLES 2> "$OUT/examples/torch.err" |
    compact >> "$OUT/examples/torch.jsonl" ||
    say "PyTorch failed: $(tail -n 3 "$OUT/examples/torch.err")"
}

step_peak() {
  say "bench/peak"
  # shellcheck disable=SC2086
  "$KIT/bin/peak" --threads "${THREADS##*,}" $PEAK_ARGS --json > "$OUT/problems/peak-start.json" ||
    say "bench/peak failed"
}

step_xgc_problems() {
  for s in $PROBLEMS; do
    m=$(mname "$s")
    say "$s: xgc (xgrun)"
    # shellcheck disable=SC2046,SC2086
    "$KIT/bin/xgrun" "$KIT/models/$m.so" $(weights_opt "$m") --name "$s" $common \
      >> "$OUT/problems/xgc.jsonl" || say "$s: xgrun failed (exit $?)"
  done
}

step_torch_problems() {
  say "PyTorch eager and TorchScript: $PROBLEMS"
  # shellcheck disable=SC2086
  "$PYTHON" "$KIT/py/bench/torch_bench.py" $common $PROBLEMS 2> "$OUT/problems/torch.err" |
    compact >> "$OUT/problems/torch.jsonl" ||
    say "PyTorch failed: $(tail -n 3 "$OUT/problems/torch.err")"
}

# ------------------------------------------------------------------ run
for step in $(echo "$STEPS" | tr ',' ' '); do
  if [ $(($(date +%s) - start)) -ge "$DEADLINE" ]; then
    say "$step skipped: past DEADLINE=$DEADLINE s"
    skipped="$skipped $step"
    continue
  fi
  case $step in
    info|weights|xgc|ort|torch|peak) "step_$step" ;;
    xgc-problems) step_xgc_problems ;;
    torch-problems) step_torch_problems ;;
    *) die "unknown step '$step'" ;;
  esac
done

# ------------------------------------------------------------------ report
for d in examples problems; do
  cat > "$OUT/$d/meta.json" <<EOF
{"kind": "device-$d", "host": "$(hostname -s 2>/dev/null || hostname)", "date": "$(date +%Y-%m-%d)",
 "started": "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)", "finished": "$(now)",
 "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)", "cpus": $ncpu,
 "kernel": "$(uname -r)", "threads": [$THREADS], "xgc_cpu": "$(manifest cpu 2>/dev/null)",
 "commit": "$(manifest commit 2>/dev/null)", "examples": $(words_json $EXAMPLES),
 "problems": $(words_json $PROBLEMS), "reps": $REPS, "seconds_per_median": $SECONDS_PER,
 "skipped_steps": $(words_json $skipped), "loadavg_start": "$load_start",
 "loadavg_end": "$(loadavg)"}
EOF
done
"$PYTHON" "$KIT/py/bench/report_examples.py" "$OUT/examples" "$OUT/examples.json" \
  > "$OUT/examples.txt" 2>&1
"$PYTHON" "$KIT/py/bench/report.py" "$OUT/problems" "$OUT/problems.json" > "$OUT/problems.txt" 2>&1
cat "$OUT/examples.txt" "$OUT/problems.txt"
echo "run.sh: $(($(date +%s) - start)) s; skipped:${skipped:- none}"
