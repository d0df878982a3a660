#!/bin/sh
# ocl_gpu.sh -- one device run of the fast OpenCL kernels against PyTorch:
# builds bench/ocl_gemm with the system's C compiler (no configure, no
# OpenCL headers: it loads libOpenCL.so.1 itself), runs it, then
# bench/torch_gpu.py (CUDA, fp32, TF32 off) on the same problems.
#   bench/ocl_gpu.sh [--sweep] [--examples] [SPEC...]
# --sweep: ocl_gemm also times its lists of other tilings (and the conv
# with the gather of flat k, for comparison); --examples:
# torch_gpu.py also times the example networks.  CC (default gcc), PYTHON
# (default python3) and OUT (where the binary goes, default a temporary
# directory) from the environment.  docs/opencl.md, "Fast kernels".
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-gcc}
PYTHON=${PYTHON:-python3}
sweep="" examples=""
while [ $# -gt 0 ]; do
  case $1 in
  --sweep) sweep=--sweep ;;
  --examples) examples=--examples ;;
  -*) echo "usage: bench/ocl_gpu.sh [--sweep] [--examples] [SPEC...]" >&2; exit 2 ;;
  *) break ;;
  esac
  shift
done
dir=${OUT:-$(mktemp -d)}
"$CC" -O2 -std=c11 -I. bench/ocl_gemm.c backends/opencl/code.c backends/opencl/gemm.c \
  backends/opencl/reduce.c backends/opencl/ops.c -ldl -lm -o "$dir/ocl_gemm"
echo "== xgc's generated OpenCL kernels (bench/ocl_gemm)"
"$dir/ocl_gemm" "$@"
if [ -n "$sweep" ]; then
  echo "== other tilings"
  "$dir/ocl_gemm" --sweep matmul:4096x4096x4096 conv:1x64x56x56x64
  echo "== the conv's gather dividing k (as before K's digits)"
  "$dir/ocl_gemm" --flat-k --tiles 64x32x16x4x4 conv:1x64x56x56x64
fi
echo "== PyTorch (bench/torch_gpu.py)"
# shellcheck disable=SC2086 # empty options vanish on purpose
"$PYTHON" bench/torch_gpu.py $examples "$@"
