#!/bin/sh
# ocl_coldstart.sh -- what the kernel-binary cache saves at cold start: the
# medians over RUNS fresh processes (bench/ocl_load) of xg_model_load, the
# first run and the second, for each model, with xgc's cache off, empty (a
# first load: the build, and the store after the first run) and warm (a
# hit).  Drivers keep compiled kernels in caches of their own: POCL in
# $POCL_CACHE_DIR (else ~/.cache/pocl), including the kernels it compiles
# lazily at the first launch; NVIDIA's in $CUDA_CACHE_PATH (else
# ~/.nv/ComputeCache), PTX compiled to the GPU's code.  By default every
# process gets fresh, empty ones (a machine's first start);
# DRIVER_CACHE=warm shares ones that a first process filled (the driver on
# its own, after the first start).
# A benchmark, not a test.  From the build directory:
#   make bench-ocl-coldstart            (or: ../bench/ocl_coldstart.sh [RUNS])
# Environment: BUILDDIR (default .), XG_OPENCL_DEVICE as for any load.
BUILDDIR=${BUILDDIR:-.}
RUNS=${1:-5}
load=$BUILDDIR/bench/ocl_load
for f in "$load" "$BUILDDIR/bench/.libs/ocl_synth.so" "$BUILDDIR/tests/unit/.libs/fake_ocl.so"; do
  [ -e "$f" ] || { echo "ocl_coldstart.sh: no $f (make bench-ocl-coldstart builds it)" >&2; exit 1; }
done
DRIVER_CACHE=${DRIVER_CACHE:-cold}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-cold.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# fake_ocl's weight w, f32 [64, 8] (any values: only the time counts)
python3 - "$tmp/w.safetensors" <<'PY' || exit 1
import json, struct, sys
head = json.dumps({"w": {"dtype": "F32", "shape": [64, 8], "data_offsets": [0, 2048]}}).encode()
head += b" " * (-len(head) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(head)) + head + bytes(2048))
PY

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# one process: run XG_CACHE_DIR ARGS... (the drivers' caches fresh unless warm)
run() {
  [ "$DRIVER_CACHE" = warm ] || rm -rf "$tmp/pocl" "$tmp/nv"
  POCL_CACHE_DIR="$tmp/pocl" CUDA_CACHE_PATH="$tmp/nv" XG_CACHE_DIR="$1" "$load" "$2" ${3:+"$3"}
}

# measure NAME LIB [WEIGHTS]: one line per cache state
measure() {
  name=$1
  shift
  rm -rf "$tmp/pocl" "$tmp/nv"
  [ "$DRIVER_CACHE" = warm ] && { run off "$@" >/dev/null || exit 1; }
  for state in off empty warm; do
    : >"$tmp/times"
    dir="$tmp/cache-$name"
    rm -rf "$dir"
    [ "$state" = warm ] && { run "$dir" "$@" >/dev/null || exit 1; }
    i=0
    while [ $i -lt "$RUNS" ]; do
      [ "$state" = empty ] && rm -rf "$dir"
      cache=$dir
      [ "$state" = off ] && cache=off
      run "$cache" "$@" >>"$tmp/times" || exit 1
      i=$((i + 1))
    done
    l=$(cut -d' ' -f1 "$tmp/times" | median)
    r=$(cut -d' ' -f2 "$tmp/times" | median)
    s=$(cut -d' ' -f3 "$tmp/times" | median)
    printf '%-10s %-6s %12s %14s %15s\n' "$name" "$state" "$l" "$r" "$s"
  done
}

printf '%-10s %-6s %12s %14s %15s   (medians of %s processes, ms; DRIVER_CACHE=%s)\n' \
  model cache load first-run second-run "$RUNS" "$DRIVER_CACHE"
XG_VERBOSE=1 XG_CACHE_DIR=off "$load" "$BUILDDIR/bench/.libs/ocl_synth.so" 2>&1 >/dev/null |
  sed -n 's/^xg: OpenCL device /device: /p'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure fake_ocl "$BUILDDIR/tests/unit/.libs/fake_ocl.so" "$tmp/w.safetensors"
measure synth "$BUILDDIR/bench/.libs/ocl_synth.so"
