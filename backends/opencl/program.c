/* backends/opencl/program.c -- the OpenCL model of a loop program: its
 * memory objects (inputs, outputs, weights, the arena, the status word),
 * a kernel per nest in run order, and the source: a header, the helpers
 * the kernels use (the graph IR's semantics that OpenCL C lacks), the
 * kernels. */
#include "backends/opencl/ocl_int.h"

#include <string.h>

int ocl_images_parse(const char *s, OclImages *out) {
  if (!strcmp(s, "auto")) *out = OCL_IMAGES_AUTO;
  else if (!strcmp(s, "on")) *out = OCL_IMAGES_ON;
  else if (!strcmp(s, "off")) *out = OCL_IMAGES_OFF;
  else return -1;
  return 0;
}

const char *ocl_images_name(OclImages m) {
  switch (m) {
  case OCL_IMAGES_AUTO: return "auto";
  case OCL_IMAGES_ON: return "on";
  case OCL_IMAGES_OFF: return "off";
  }
  return "?";
}

/* ---------------------------------------------------------------- helpers */

static const char *const helper_names[] = {
#define X(k, s) s,
    XG_OCL_HELPERS(X)
#undef X
};
_Static_assert(sizeof helper_names / sizeof *helper_names == OH__COUNT, "helper names");

/* The definitions, in the order of XG_OCL_HELPERS.  Failures store their
 * XG_RUN_* code (lower/loop.h) into the status word: the numbers below. */
_Static_assert(XG_RUN_RANGE == 1 && XG_RUN_DIVZERO == 2 && XG_RUN_CONVERT == 3,
               "the status codes written in the helpers");
static const char *const helper_text[] = {
    [OH_FAIL] = "int xg_fail(global int *status, int code) {\n"
                "  *status = code;\n"
                "  return 0;\n"
                "}\n",
    [OH_DIV] = "long xg_div(long x, long y, global int *status) { /* floor division */\n"
               "  if (y == 0) {\n"
               "    *status = 2;\n"
               "    return x;\n"
               "  }\n"
               "  if (y == -1) return (long)(0UL - (ulong)x);\n"
               "  long q = x / y, r = x % y;\n"
               "  return r != 0 && (r < 0) != (y < 0) ? q - 1 : q;\n"
               "}\n",
    [OH_MOD] = "long xg_mod(long x, long y, global int *status) { /* floor modulo */\n"
               "  if (y == 0) {\n"
               "    *status = 2;\n"
               "    return 0;\n"
               "  }\n"
               "  if (y == -1) return 0;\n"
               "  long r = x % y;\n"
               "  return r != 0 && (r < 0) != (y < 0) ? r + y : r;\n"
               "}\n",
    [OH_MAXF] = "float xg_maxf(float x, float y) { return x > y || isnan(x) ? x : y; }\n",
    [OH_MINF] = "float xg_minf(float x, float y) { return x < y || isnan(x) ? x : y; }\n",
    [OH_MAXF4] = "float4 xg_maxf4(float4 x, float4 y) { return select(y, x, x > y || isnan(x)); }\n",
    [OH_MINF4] = "float4 xg_minf4(float4 x, float4 y) { return select(y, x, x < y || isnan(x)); }\n",
    [OH_MAXD] = "double xg_maxd(double x, double y) { return x > y || isnan(x) ? x : y; }\n",
    [OH_MIND] = "double xg_mind(double x, double y) { return x < y || isnan(x) ? x : y; }\n",
    [OH_MAXL] = "long xg_maxl(long x, long y) { return x > y ? x : y; }\n",
    [OH_MINL] = "long xg_minl(long x, long y) { return x < y ? x : y; }\n",
    [OH_FMODF] = "float xg_fmodf(float x, float y) { return x - y * floor(x / y); }\n",
    [OH_FMODD] = "double xg_fmodd(double x, double y) { return x - y * floor(x / y); }\n",
    [OH_F2L] = "long xg_f2l(float x, global int *status) {\n"
               "  if (x >= -9223372036854775808.0f && x < 9223372036854775808.0f) return (long)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_F2I] = "int xg_f2i(float x, global int *status) {\n"
               "  if (x >= -2147483648.0f && x < 2147483648.0f) return (int)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_F2C] = "int xg_f2c(float x, global int *status) {\n"
               "  if (x > -129.0f && x < 128.0f) return (int)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_D2L] = "long xg_d2l(double x, global int *status) {\n"
               "  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return (long)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_D2I] = "int xg_d2i(double x, global int *status) {\n"
               "  if (x > -2147483649.0 && x < 2147483648.0) return (int)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_D2C] = "int xg_d2c(double x, global int *status) {\n"
               "  if (x > -129.0 && x < 128.0) return (int)x;\n"
               "  *status = 3;\n"
               "  return 0;\n"
               "}\n",
    [OH_HALF] = "float xg_half(float x) { /* x rounded to the nearest half, ties to even */\n"
                "  uint u = as_uint(x), s = u & 0x80000000u, a = u & 0x7fffffffu;\n"
                "  if (a >= 0x7f800000u) return x;\n"
                "  if (a >= 0x477ff000u) return as_float(s | 0x7f800000u);\n"
                "  if (a < 0x38800000u) return copysign(rint(fabs(x) * 16777216.0f) / "
                "16777216.0f, x);\n"
                "  return as_float(s | ((a + 0xfffu + ((a >> 13) & 1u)) & 0xffffe000u));\n"
                "}\n",
    [OH_SAMPLER] = "constant sampler_t xg_smp =\n"
                   "    CLK_NORMALIZED_COORDS_FALSE | CLK_ADDRESS_CLAMP | CLK_FILTER_NEAREST;\n",
    [OH_CH] = "float xg_ch(float4 p, int c) { return c == 0 ? p.x : c == 1 ? p.y : c == 2 ? p.z : "
              "p.w; }\n",
};
_Static_assert(sizeof helper_text / sizeof *helper_text == OH__COUNT, "helper texts");

const char *ocl_helper(OclGen *g, OclHelper h) {
  g->helpers[h] = 1;
  switch (h) {
  case OH_FAIL:
  case OH_DIV:
  case OH_MOD:
  case OH_F2L:
  case OH_F2I:
  case OH_F2C:
    if (g->kc) g->kc->status = 1;
    break;
  case OH_D2L:
  case OH_D2I:
  case OH_D2C:
    if (g->kc) g->kc->status = 1;
    g->fp64 = 1;
    break;
  case OH_MAXD:
  case OH_MIND:
  case OH_FMODD: g->fp64 = 1; break;
  case OH_MAXF:
  case OH_MINF:
  case OH_MAXF4:
  case OH_MINF4:
  case OH_MAXL:
  case OH_MINL:
  case OH_FMODF:
  case OH_HALF:
  case OH_SAMPLER:
  case OH_CH:
  case OH__COUNT: break;
  }
  return helper_names[h];
}

/* --------------------------------------------------------- memory objects */

static int add_mem(OclGen *g, xg_ocl_mem_kind kind, int index, int64_t w, int64_t h) {
  if (g->nmems == g->capmems) {
    int cap = g->capmems ? 2 * g->capmems : 16;
    xg_abi_ocl_mem *v = arena_alloc(g->a, sizeof *v * (size_t)cap);
    if (g->nmems) memcpy(v, g->mems, sizeof *v * (size_t)g->nmems);
    g->mems = v, g->capmems = cap;
  }
  g->mems[g->nmems] = (xg_abi_ocl_mem){kind, index, (uint64_t)w, (uint64_t)h};
  return g->nmems++;
}

/* Inputs, outputs and weights in signature order, the arena, the images,
 * the status word. */
static void make_mems(OclGen *g) {
  const LoopProgram *p = g->p;
  g->buf_mem = arena_alloc(g->a, sizeof(int) * (size_t)(p->nbufs + 1));
  for (int i = 0; i < p->nbufs; i++) g->buf_mem[i] = -1;
  for (int i = 0; i < p->ninputs; i++) g->buf_mem[p->inputs[i]] = add_mem(g, XG_OCL_INPUT, i, 0, 0);
  for (int i = 0; i < p->noutputs; i++)
    g->buf_mem[p->outputs[i]] = add_mem(g, XG_OCL_OUTPUT, i, 0, 0);
  for (int i = 0; i < p->nweights; i++)
    g->buf_mem[p->weights[i]] = add_mem(g, XG_OCL_WEIGHT, i, 0, 0);
  g->arena_mem = -1;
  for (int i = 0; i < p->nbufs; i++) {
    if (p->bufs[i]->kind != LB_SCRATCH) continue;
    if (g->arena_mem < 0) g->arena_mem = add_mem(g, XG_OCL_ARENA, -1, 0, 0);
    g->buf_mem[i] = g->arena_mem;
  }
  for (int i = 0; i < p->nbufs; i++) /* in buffer order: ocl_print relies on it */
    if (p->bufs[i]->kind == LB_IMAGE)
      g->buf_mem[i] = add_mem(g, XG_OCL_IMAGE, -1, p->bufs[i]->img_w, p->bufs[i]->img_h);
  g->status_mem = add_mem(g, XG_OCL_STATUS, -1, 0, 0);
}

/* ----------------------------------------------------------------- source */

static const char *assemble(OclGen *g) {
  OclStr s = {0};
  ocl_printf(&s, "/* model %s: OpenCL C 1.2, generated by xgc (docs/opencl.md) */\n", g->p->name);
  if (g->fp64) ocl_puts(&s, "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
  ocl_puts(&s, "\n");
  int any = 0;
  for (int h = 0; h < OH__COUNT; h++)
    if (g->helpers[h]) ocl_puts(&s, helper_text[h]), any = 1;
  if (any) ocl_puts(&s, "\n");
  ocl_puts(&s, ocl_text(&g->src));
  const char *out = arena_strndup(g->a, ocl_text(&s), s.n);
  ocl_str_free(&s);
  return out;
}

xg_abi_ocl *ocl_generate(const LoopProgram *p, const OclOptions *o, Arena *a, Diag *d) {
  OclGen g = {0};
  g.p = p, g.o = o, g.a = a, g.d = d;
  if (!p->target.gpu) {
    ocl_error(&g, "the program was not lowered for a GPU target");
    return NULL;
  }
  make_mems(&g);
  for (int i = 0; i < p->nkernels; i++) {
    const LoopKernel *k = p->kernels[i];
    for (int j = 0; j < k->nnests; j++) {
      int h = ocl_emit_contraction(&g, k, j);
      if (!h) h = ocl_emit_rows(&g, k, j);
      if (h < 0) g.errors++;
      if (!h) ocl_emit_nest(&g, k, j);
    }
  }
  xg_abi_ocl *m = arena_alloc(a, sizeof *m);
  m->source = assemble(&g);
  m->build_options = "-cl-std=CL1.2";
  m->nmems = g.nmems;
  m->mems = g.mems;
  m->nlaunches = g.nlaunches;
  m->launches = g.launches;
  m->arena_bytes = (uint64_t)p->scratch_bytes;
  ocl_str_free(&g.src);
  return g.errors ? NULL : m;
}
