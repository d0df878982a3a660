#!/bin/sh
# run.sh -- the CPU benchmark of docs/benchmarks.md in one go: the machine's
# FMA peak and bandwidth (bench/peak, before and after the rest), then per
# problem oneDNN (bench/onednn_bench, all ISAs and AVX2 only), PyTorch eager
# and TorchScript frozen (bench/torch_bench.py) and `xgc bench` on
# bench/models/, on 1 and N threads; one table of medians, and the whole run
# in bench/results/HOST-DATE.json.  A benchmark, not a test.
#   bench/run.sh             (from the build directory; or `make bench`)
# Environment: THREADS ("1,N", N the CPUs we may use), PROBLEMS (specs, see
# bench/problems.py), REPS (least runs per median, 10), SECONDS_PER (time
# per median, 1), PEAK_ARGS (more options of bench/peak), XGC (./xgc),
# XGC_RUNS (runs of `xgc bench` after its warm-up, 15), WAIT_IDLE (the
# seconds to wait, before each step, for a second in which the other
# processes use under 5% of the CPUs: 60; 0 never waits), PYTHON
# (/usr/bin/python3), OUT (the result file).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
PYTHON=${PYTHON:-/usr/bin/python3}
XGC=${XGC:-./xgc}
PEAK=${PEAK:-./bench/peak}
PEAK_ARGS=${PEAK_ARGS:-}
ONEDNN=${ONEDNN:-./bench/onednn_bench}
ncpu=$(nproc)
THREADS=${THREADS:-1,$ncpu}
REPS=${REPS:-10}
SECONDS_PER=${SECONDS_PER:-1}
XGC_RUNS=${XGC_RUNS:-15}
WAIT_IDLE=${WAIT_IDLE:-60}
. "$here/lib.sh"
host=$(hostname -s 2>/dev/null || hostname)
date=$(date +%Y-%m-%d)
OUT=${OUT:-$(result_file "$src/bench/results" "")}

[ -x "$PYTHON" ] || die "$PYTHON not found: install the Debian package 'python3'"
[ -x "$PEAK" ] || die "$PEAK not found: run from the build directory after make (or make bench)"
PROBLEMS=${PROBLEMS:-$("$PYTHON" -c "import sys; sys.path.insert(0, sys.argv[1]); import problems
print(' '.join(problems.DEFAULT))" "$here")}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-bench.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT

model_of() { echo "$src/bench/models/$(echo "$1" | tr ':' '_').xg"; }

# ------------------------------------------------------------------ meta
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
xgc_version=$("$XGC" --version 2>/dev/null | head -n 1 | tr -d '"\\')
cat > "$tmp/meta.json" <<EOF
{"host": "$host", "date": "$date", "started": "$(now)", "cpu": "$cpu", "cpus": $ncpu,
 "kernel": "$(uname -r)", "commit": "$commit", "xgc": "$xgc_version", "threads": [$THREADS],
 "problems": $(words_json $PROBLEMS), "reps": $REPS, "seconds_per_median": $SECONDS_PER,
 "loadavg_start": "$(loadavg)",
EOF
warn_load

# ------------------------------------------------------------------ peak
maxthr=${THREADS##*,}
say "bench/peak (before)"
idle_gate
"$PEAK" --threads "$maxthr" $PEAK_ARGS --json > "$tmp/peak-start.json" || die "bench/peak failed"

# ------------------------------------------------------------------ which peers
have_onednn=0 have_torch=0 have_xgc=0
if [ -x "$ONEDNN" ]; then have_onednn=1
else say "oneDNN skipped: bench/onednn_bench was not built" \
         "(install the Debian package 'libdnnl-dev' and run configure again)"
fi
if "$PYTHON" -c 'import torch' 2>/dev/null; then have_torch=1
else say "PyTorch skipped: install the Debian packages 'python3-torch' and 'libopenblas0-openmp'"
fi
# `xgc bench --json` on the first model, once: used as soon as it works.
probe=$(model_of "${PROBLEMS%% *}")
if [ -x "$XGC" ] && "$XGC" bench "$probe" --threads 1 --runs 1 --warmup 1 --json \
     2> "$tmp/probe.err" | compact > /dev/null 2>&1; then have_xgc=1
else say "xgc skipped: '$XGC bench --json' does not work yet: $(head -n 1 "$tmp/probe.err")"
fi

# ------------------------------------------------------------------ per problem
# oneDNN twice where the CPU has AVX-512: as it chooses, and held to AVX2.
caps=ALL
grep -qw avx512f /proc/cpuinfo && caps="ALL AVX2"
onednn() { # CAP SPEC
  if [ "$1" = ALL ]; then env -u ONEDNN_MAX_CPU_ISA "$ONEDNN" $common "$2"
  else ONEDNN_MAX_CPU_ISA=$1 "$ONEDNN" $common "$2"
  fi
}
xgc_one() { # SPEC THREADS: one line of xgc.jsonl
  if "$XGC" bench "$(model_of "$1")" --threads "$2" --runs "$XGC_RUNS" --json \
       > "$tmp/xgc.out" 2> "$tmp/xgc.err" &&
     res=$(compact < "$tmp/xgc.out" 2> /dev/null); then
    printf '{"problem": "%s", "threads": %s, "result": %s}\n' "$1" "$2" "$res"
  else
    err=$(head -n 3 "$tmp/xgc.err" | tr '\n"\\' '   ')
    say "$1: xgc bench failed: $err"
    printf '{"problem": "%s", "threads": %s, "error": "%s"}\n' "$1" "$2" "$err"
  fi
}
common="--threads $THREADS --reps $REPS --seconds $SECONDS_PER --json"
for spec in $PROBLEMS; do
  if [ $have_onednn = 1 ]; then
    for cap in $caps; do
      say "$spec: oneDNN (ISA $cap)"
      idle_gate
      onednn "$cap" "$spec" | compact >> "$tmp/onednn.jsonl" || say "$spec: oneDNN failed"
    done
  fi
  if [ $have_torch = 1 ]; then
    say "$spec: PyTorch eager and TorchScript frozen"
    idle_gate
    "$PYTHON" "$here/torch_bench.py" $common "$spec" | compact >> "$tmp/torch.jsonl" ||
      say "$spec: PyTorch failed"
  fi
  if [ $have_xgc = 1 ]; then
    for t in $(echo "$THREADS" | tr ',' ' '); do
      say "$spec: xgc bench, $t thr"
      idle_gate
      xgc_one "$spec" "$t" >> "$tmp/xgc.jsonl"
    done
  fi
done

# ------------------------------------------------------------------ peak again, report
say "bench/peak (after)"
idle_gate
"$PEAK" --threads "$maxthr" $PEAK_ARGS --json > "$tmp/peak-end.json" || say "bench/peak failed"
printf ' "loadavg_end": "%s", "finished": "%s", "waited_for_idle_s": %d}\n' "$(loadavg)" "$(now)" \
  "$waited" >> "$tmp/meta.json"
"$PYTHON" "$here/report.py" "$tmp" "$OUT"
