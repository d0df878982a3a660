#!/bin/sh
# make-kit.sh -- builds the device kit: everything the H200 host (Ubuntu
# 24.04, no LLVM, no package registry) needs to run the CPU benchmark of
# docs/benchmarks.md ("The device kit") with one command, KIT/run.sh, in a
# directory small enough to carry (64 MiB).
#   bench/device/make-kit.sh OUTDIR    (from the build directory, after make)
# It holds the example networks and the benchmark problems compiled with
# `xgc build --cpu=$CPU`, the runner (xgrun), the weight maker (mkweights:
# the weights are made on the device from xgc's random fill, never
# carried), bench/peak, the shared libraries Ubuntu 24.04 lacks, inputs and
# reference outputs, ONNX files of the networks (weights made on the device
# by a recipe, onnx_data.py), and the Python scripts of the peers.
# Environment: XGC (./xgc), BUILD (the build directory, .), CPU
# (skylake-avx512), EXAMPLES (the networks with a reference in
# tests/examples/data), PROBLEMS (the specs of bench/problems.py's DEFAULT),
# PYTHON (/usr/bin/python3, with python3-torch, python3-torchvision and
# python3-onnx), MAX_MIB (64).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$(dirname "$here")")
BUILD=${BUILD:-.}
XGC=${XGC:-$BUILD/xgc}
CPU=${CPU:-skylake-avx512}
PYTHON=${PYTHON:-/usr/bin/python3}
MAX_MIB=${MAX_MIB:-64}
WAIT_IDLE=0
. "$src/bench/lib.sh"
[ $# = 1 ] || die "usage: make-kit.sh OUTDIR"
kit=$1
data=$src/tests/examples/data
EXAMPLES=${EXAMPLES:-$(for f in "$data"/*.tol; do basename "$f" .tol; done)}
PROBLEMS=${PROBLEMS:-$("$PYTHON" -c "import sys; sys.path.insert(0, sys.argv[1]); import problems
print(' '.join(problems.DEFAULT))" "$src/bench")}
for p in "$XGC" "$BUILD/bench/device/xgrun" "$BUILD/tests/examples/mkweights" \
         "$BUILD/bench/peak"; do
  [ -x "$p" ] || die "no program '$p': run from the build directory after" \
                     "'make all tests/examples/mkweights' (or set BUILD)"
done
"$PYTHON" -c 'import torch, torchvision, onnx' 2>/dev/null ||
  die "$PYTHON lacks torch, torchvision or onnx: install the Debian packages" \
      "python3-torch, python3-torchvision and python3-onnx"
[ -e "$kit" ] && [ -n "$(ls -A "$kit")" ] && die "$kit exists and is not empty"
mkdir -p "$kit/bin" "$kit/lib" "$kit/models" "$kit/data" "$kit/onnx" "$kit/py/bench/device" \
  "$kit/py/examples/scripts" || die "cannot make $kit"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-kit.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# params NAME: NAME's weights as mkweights reads them ("name d0 d1 ..."),
# from the header xgc build wrote (f32 only: mkweights makes nothing else).
params() {
  h=$kit/models/$1.h
  if grep '^/\* weight [0-9]*: ' "$h" | grep -v ', f32\[' | grep -q .; then
    die "$1: a weight that is not f32 (mkweights makes f32 only)"
  fi
  echo "# the weights of $1 (from $1.h): name and shape, for bin/mkweights"
  sed -n 's|^/\* weight [0-9]*: \([^,]*\), f32\[\([^]]*\)\], .*|\1 \2|p' "$h" | tr -d ','
}

# ------------------------------------------------------------------ models
for e in $EXAMPLES; do
  say "$e: xgc build --cpu=$CPU"
  "$XGC" build "$src/examples/$e.xg" --cpu="$CPU" -o "$kit/models/$e.so" ||
    die "$e: xgc build failed"
  params "$e" > "$kit/data/$e.params"
done
for spec in $PROBLEMS; do
  m=$(echo "$spec" | tr ':' '_')
  say "$spec: xgc build --cpu=$CPU"
  "$XGC" build "$src/bench/models/$m.xg" --cpu="$CPU" -o "$kit/models/$m.so" ||
    die "$spec: xgc build failed"
  params "$m" > "$kit/data/$m.params"
done

# ------------------------------------------------------------------ data
# Inputs (xgc's random fill of seed 1, as the references were computed
# with), the references, the calibrated batchnorm statistics, and the
# tolerances: those of float32 code, as tests/cpu/run.sh holds the CPU back
# end to (|got - want| <= 1e-5 |want| + 2e-5 max|want|; docs/cpu.md), since
# xgc, ONNX Runtime and PyTorch all compute in float32 here, and the
# tolerances of tests/examples (1e-6 max|want|, for float64) are too tight
# for that: xgc's BERT and GPT-2 outputs are off by 1.5e-6 and 1.3e-6 of
# max|want|.  Every check also records its error, so the float64
# tolerance can be read off the results.
say "inputs, references, tolerances"
for e in $EXAMPLES; do
  cp "$data/$e".out-*.npy "$kit/data/" || die "$e: no reference in $data"
  [ -e "$data/$e.fixed.safetensors" ] && cp "$data/$e.fixed.safetensors" "$kit/data/"
done
"$PYTHON" - "$src/examples/scripts" "$kit" "$data" $EXAMPLES <<'EOF' || die "cannot write the data"
import os, re, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import xgref
kit, data = sys.argv[2], sys.argv[3]
for name in sys.argv[4:]:
    with open(os.path.join(kit, "models", name + ".h")) as f:
        for m in re.finditer(r"^/\* input \d+: (\w+), (f32|i32)\[([^]]*)\]", f.read(), re.M):
            shape = tuple(int(d) for d in m.group(3).split(",") if d.strip())
            a = xgref.fill(shape, xgref.SEED, m.group(1), m.group(2))
            np.save(os.path.join(kit, "data", "%s.in-%s.npy" % (name, m.group(1))), a)
    with open(os.path.join(kit, "data", name + ".tol"), "w") as f:
        f.write("# output rtol atol: float32 code (bench/device/make-kit.sh; docs/cpu.md)\n")
        for out in xgref.read_tol(os.path.join(data, name + ".tol")):
            want = np.load(os.path.join(data, "%s.out-%s.npy" % (name, out)))
            f.write("%s 1e-05 %.3g\n" % (out, 2e-5 * xgref.scale(want)))
EOF

# ------------------------------------------------------------------ programs
cp "$BUILD/bench/device/xgrun" "$BUILD/tests/examples/mkweights" "$BUILD/bench/peak" "$kit/bin/"
# The shared libraries they need beyond glibc's (libcjson: not in Ubuntu's
# base system); the kit's run.sh puts lib/ on LD_LIBRARY_PATH.
for b in "$kit"/bin/*; do ldd "$b"; done | awk '$2 == "=>" { print $1, $3 }' | sort -u |
while read -r lib path; do
  case $lib in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
    *) cp -L "$path" "$kit/lib/$lib" || exit 1 ;;
  esac
done || die "cannot copy the shared libraries"

# ------------------------------------------------------------------ scripts
cp "$src/bench/device/run.sh" "$kit/run.sh"
cp "$src/bench/lib.sh" "$src/bench/timing.py" "$src/bench/torch_bench.py" "$src/bench/problems.py" \
  "$src/bench/torch_examples.py" "$src/bench/report.py" "$src/bench/report_examples.py" \
  "$src/bench/results_io.py" "$kit/py/bench/"
cp "$src/bench/device/onnx_data.py" "$src/bench/device/ort_bench.py" "$kit/py/bench/device/"
cp "$src/examples/scripts/"*.py "$kit/py/examples/scripts/"

# ------------------------------------------------------------------ ONNX
# The weights as the device will make them, to export from and to check
# the recipes against (not carried).
say "ONNX exports (weights made here as on the device; not carried)"
for e in $EXAMPLES; do
  fixed=$kit/data/$e.fixed.safetensors
  [ -e "$fixed" ] || fixed=-
  "$kit/bin/mkweights" 1 "$kit/data/$e.params" "$fixed" "$tmp/$e.safetensors" ||
    die "$e: mkweights failed"
  cp "$kit/data/$e".in-*.npy "$tmp/"
done
# shellcheck disable=SC2086 # the names are words
"$PYTHON" "$src/bench/device/onnx_export.py" --weights-dir "$tmp" --out "$kit/onnx" $EXAMPLES \
  2> "$tmp/export.err" || { grep -v -i warn "$tmp/export.err" >&2; die "ONNX export failed"; }

# ------------------------------------------------------------------ manifest
say "manifest"
bytes=$(du -sb "$kit" | cut -f1)
# What each file needs: glibc's libraries (2.36 here, 2.39 on Ubuntu 24.04)
# and lib/'s, nothing else.
needed() { objdump -p "$1" | awk '/NEEDED/ { print $2 }'; }
missing=""
for b in "$kit"/bin/* "$kit"/lib/* "$kit"/models/*.so; do
  for n in $(needed "$b"); do
    case $n in
      libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
      *) [ -e "$kit/lib/$n" ] || missing="$missing ${b#"$kit"/}:$n" ;;
    esac
  done
done
[ -z "$missing" ] || die "libraries the kit lacks:$missing"
# shellcheck disable=SC2046
deps=$(for b in "$kit"/bin/* "$kit"/lib/* "$kit"/models/*.so; do
  printf '"%s": %s, ' "${b#"$kit"/}" "$(words_json $(needed "$b"))"
done | sed 's/, $//')
cat > "$kit/MANIFEST.json" <<EOF
{"made": "$(now)", "host": "$(hostname -s 2>/dev/null || hostname)",
 "commit": "$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "xgc": "$("$XGC" --version 2>/dev/null | head -n 1 | tr -d '"\\')", "cpu": "$CPU",
 "examples": $(words_json $EXAMPLES), "problems": $(words_json $PROBLEMS),
 "bytes": $bytes, "needed": {$deps}}
EOF
mib=$((bytes / 1048576))
[ "$mib" -lt "$MAX_MIB" ] || die "$kit is $mib MiB, more than MAX_MIB=$MAX_MIB"
say "$kit: $mib MiB ($bytes bytes): $(echo $EXAMPLES | wc -w) networks," \
    "$(echo $PROBLEMS | wc -w) problems"
