/* ocl_synth.c -- a synthetic OpenCL model library for the cold-start
 * benchmark (bench/ocl_coldstart.sh): SYNTH_KERNELS distinct kernels of
 * the shape generated code has (a tiled matrix product through local
 * memory with an unrolled inner loop and a fused epilogue), chained
 * through the arena.  y = the chain applied to x; no weights.  Its numbers
 * are not checked: it exists to make the OpenCL compiler work. */
#include "runtime/xg_abi.h"

#include <stdio.h>
#include <string.h>

enum { SYNTH_KERNELS = 24, SIDE = 64, ELEMS = SIDE * SIDE, TILE = 16 };

static char source[SYNTH_KERNELS * 1024 + 1024];
static int32_t args[SYNTH_KERNELS + 2][2];
static char names[SYNTH_KERNELS][16];
static xg_abi_ocl_launch launches[SYNTH_KERNELS + 2];

static const int64_t shape[] = {SIDE, SIDE};
static const xg_abi_tensor inputs[] = {{"x", 0, 2, shape, ELEMS * 4}};
static const xg_abi_tensor outputs[] = {{"y", 0, 2, shape, ELEMS * 4}};
static const xg_abi_ocl_mem mems[] = {{XG_OCL_INPUT, 0, 0, 0},
                                      {XG_OCL_OUTPUT, 0, 0, 0},
                                      {XG_OCL_ARENA, 0, 0, 0}};
static xg_abi_ocl ocl = {source, "", 3, mems, SYNTH_KERNELS + 2, launches,
                         (uint64_t)(SYNTH_KERNELS + 1) * ELEMS * 4};
static const xg_abi_model model = {XG_ABI_VERSION, "synth", 1, 1, 0, inputs, outputs, NULL, 0,
                                   NULL, &ocl};

/* Kernel k: a[k + 1] = relu(a[k] x a[k] * c + k) over SIDE x SIDE. */
static int kernel_text(char *p, size_t len, int k) {
  return snprintf(
      p, len,
      "__kernel __attribute__((reqd_work_group_size(%d, %d, 1)))\n"
      "void mm%d(__global float *a) {\n"
      "  __global const float *s = a + %d; __global float *d = a + %d;\n"
      "  __local float ta[%d][%d], tb[%d][%d];\n"
      "  int i = get_global_id(1), j = get_global_id(0);\n"
      "  int li = get_local_id(1), lj = get_local_id(0);\n"
      "  float acc = 0.0f;\n"
      "  for (int t = 0; t < %d; t += %d) {\n"
      "    ta[li][lj] = s[i * %d + t + lj]; tb[li][lj] = s[(t + li) * %d + j];\n"
      "    barrier(CLK_LOCAL_MEM_FENCE);\n"
      "    #pragma unroll\n"
      "    for (int u = 0; u < %d; u++) acc = fma(ta[li][u], tb[u][lj], acc);\n"
      "    barrier(CLK_LOCAL_MEM_FENCE);\n"
      "  }\n"
      "  d[i * %d + j] = fmax(acc * %.9gf + %d.0f, 0.0f);\n"
      "}\n",
      TILE, TILE, k, k * ELEMS, (k + 1) * ELEMS, TILE, TILE, TILE, TILE, SIDE, TILE, SIDE, SIDE,
      TILE, SIDE, 1.0 / (k + 7), k);
}

static void synth_make(void) {
  size_t at = 0;
  at += (size_t)snprintf(source, sizeof source,
                         "__kernel void in(__global const float *x, __global float *a) {\n"
                         "  a[get_global_id(0)] = x[get_global_id(0)];\n}\n"
                         "__kernel void out(__global const float *a, __global float *y) {\n"
                         "  y[get_global_id(0)] = a[%d + get_global_id(0)];\n}\n",
                         SYNTH_KERNELS * ELEMS);
  for (int k = 0; k < SYNTH_KERNELS; k++) {
    at += (size_t)kernel_text(source + at, sizeof source - at, k);
    snprintf(names[k], sizeof names[k], "mm%d", k);
    args[k + 1][0] = 2;
    launches[k + 1] = (xg_abi_ocl_launch){names[k], names[k], 1, args[k + 1], 0, 2,
                                          {SIDE, SIDE, 1}, {TILE, TILE, 1}};
  }
  args[0][0] = 0, args[0][1] = 2;
  launches[0] = (xg_abi_ocl_launch){"in", "x", 2, args[0], 0, 1, {ELEMS, 1, 1}, {0, 0, 0}};
  args[SYNTH_KERNELS + 1][0] = 2, args[SYNTH_KERNELS + 1][1] = 1;
  launches[SYNTH_KERNELS + 1] = (xg_abi_ocl_launch){
      "out", "y", 2, args[SYNTH_KERNELS + 1], 0, 1, {ELEMS, 1, 1}, {0, 0, 0}};
}

const xg_abi_model *xg_model_describe(void);
const xg_abi_model *xg_model_describe(void) {
  if (!source[0]) synth_make();
  return &model;
}
